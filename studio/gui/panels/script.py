"""The script panel: the selected product's script in the template's scene format (editable), its
compliance findings underlined in place and listed with a one-click rewrite, and a way back to the
template's words. Everything it shows comes from the session's plan of the product."""
from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPixmap, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPlainTextEdit, QTextEdit, QVBoxLayout, QWidget

from ...app.session import Session
from ...core.errors import StudioError
from ...script.editing import scenes_to_text, spoken_line_blocks
from ..texts import Texts

log = logging.getLogger(__name__)
TYPING_PAUSE_MS = 300  # an edit is committed (and previewed) after this pause in typing


class ScriptPanel(QWidget):
    def __init__(self, session: Session, texts: Texts) -> None:
        super().__init__()
        self.session, self.texts = session, texts
        self.item_id = ""
        self.findings: tuple = ()
        self.underlined = 0
        self.thumbnail = QLabel("")
        self.thumbnail.setFixedHeight(120)
        self.thumbnail.setAlignment(Qt.AlignCenter)
        self.title = QLabel()
        self.title.setProperty("data_widget", True)
        self.editor = QPlainTextEdit()
        self.editor.setProperty("data_widget", True)
        self.editor.textChanged.connect(self._typed)
        texts.bind(self.editor.setToolTip, "每行是一句配音；[hook] [point] [offer] [cta] 开始一个场景",
                   "One spoken line per line; [hook] [point] [offer] [cta] start a scene")
        self.error = QLabel()
        self.error.setStyleSheet("color:#c62828")
        self.error.setWordWrap(True)
        self.error.setProperty("data_widget", True)
        self.reset_button = texts.button("恢复模板原文", "Back to template words", self.reset_script,
                                         ("丢弃手动修改，用模板重新生成", "Drop your edits and use the template's words"))
        self.findings_label = QLabel()
        self.findings_list = QListWidget()
        self.findings_list.setWordWrap(True)
        self.findings_list.setProperty("data_widget", True)
        self.findings_list.itemDoubleClicked.connect(lambda item: self.apply_finding(self.findings_list.row(item)))
        self.fix_button = texts.button("采用建议改写", "Apply suggested rewrite",
                                       lambda: self.apply_finding(max(0, self.findings_list.currentRow())),
                                       ("用建议的说法替换这一句（可撤销）", "Replace the line with the suggested rewrite (undoable)"))
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TYPING_PAUSE_MS)
        self._timer.timeout.connect(self.commit)
        self._setting = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.thumbnail)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.reset_button)
        layout.addLayout(top)
        layout.addWidget(self.editor, 3)
        layout.addWidget(self.error)
        layout.addWidget(self.findings_label)
        layout.addWidget(self.findings_list, 1)
        layout.addWidget(self.fix_button)

    # ---------------------------------------------------------------- showing
    def show_item(self, item_id: str) -> bool:
        """Show an item's script and findings; False when its template cannot write one (the error is
        shown instead)."""
        t = self.texts.t
        self.item_id = item_id
        product = self.session.item(item_id).product
        self.editor.setReadOnly(False)
        self._show_thumbnail(product)
        self.title.setText(t("脚本 · ", "Script · ") + product.name)
        view = self.session.script_view(item_id)
        if view.script is None:
            self._set_text("")
            self.error.setText(t("模板错误：", "Template error: ") + view.error)
            self.findings = ()
            self._show_findings()
            return False
        if not self._timer.isActive():  # never replace what the merchant is typing
            self._set_text(scenes_to_text(view.script.scenes))
            self.error.setText("")
        self.findings = view.findings
        self._show_findings()
        return True

    def show_bad_row(self, sheet_row: int | None) -> None:
        """A sheet row that could not be imported: what is wrong with it and what to do."""
        t = self.texts.t
        self.item_id = ""
        self.findings = ()
        self.thumbnail.clear()
        self.error.setText("")
        self.editor.setReadOnly(True)
        self.title.setText(t(f"第 {sheet_row} 行", f"Row {sheet_row}"))
        parts = [t("这一行不能渲染：", "This row cannot be rendered:")]
        for p in self.session.problems_for_row(sheet_row):
            parts.append(p.message + (f" ({t('列', 'column')} '{p.column}')" if p.column else "")
                         + (f"\n  {t('怎么改', 'What to do')}: {p.hint}" if p.hint else ""))
        self._set_text("\n".join(parts))
        self._show_findings()

    def show_nothing(self) -> None:
        self.item_id = ""
        self.findings = ()
        self.thumbnail.clear()
        self.error.setText("")
        self._set_text("")
        self.editor.setReadOnly(True)
        self.title.setText(self.texts.t("脚本", "Script"))
        self._show_findings()

    def retranslate(self) -> None:
        if self.item_id and self.session.has_item(self.item_id):
            self.show_item(self.item_id)
        else:
            self._show_findings()

    def _set_text(self, text: str) -> None:
        if self.editor.toPlainText() == text:
            return
        self._setting = True
        self.editor.setPlainText(text)
        self._setting = False

    def _show_thumbnail(self, product) -> None:
        self.thumbnail.clear()
        for image in product.images[:1]:
            pix = QPixmap(str(image))
            if not pix.isNull():
                self.thumbnail.setPixmap(pix.scaled(200, 115, Qt.KeepAspectRatio, Qt.SmoothTransformation))
            else:
                self.thumbnail.setText(self.texts.t("无法显示图片 ", "Cannot show ") + str(image).rsplit("/", 1)[-1])

    def _show_findings(self) -> None:
        t = self.texts.t
        self.findings_list.clear()
        n_block = sum(f.severity == "block" for f in self.findings)
        self.findings_label.setText(t(f"合规检查：{len(self.findings)} 处（{n_block} 处会拦截渲染）",
                                      f"Compliance: {len(self.findings)} findings ({n_block} block the render)"))
        for f in self.findings:
            kind = t("拦截", "blocks") if f.severity == "block" else t("提醒", "warning")
            where = t("画面文字", "On-screen text") + " · " if f.overlay >= 0 else ""
            item = QListWidgetItem(f"{where}“{f.text}” · {kind} — {f.reason}\n{t('建议改为', 'Suggested')}: {f.suggestion}")
            item.setForeground(QColor("#c62828" if f.severity == "block" else "#e65100"))
            item.setToolTip(f.rule)
            self.findings_list.addItem(item)
        self.fix_button.setEnabled(bool(self.findings))
        self._underline()

    def _underline(self) -> None:
        """A wavy red underline under each finding's exact span in the editor."""
        text = self.editor.toPlainText()
        blocks = spoken_line_blocks(text)
        headers = [n for n, raw in enumerate(text.splitlines()) if raw.strip().startswith("[")]
        doc = self.editor.document()
        selections = []
        for f in self.findings:
            if 0 <= f.overlay < len(headers):
                block = doc.findBlockByNumber(headers[f.overlay])
            elif 0 <= f.line < len(blocks):
                block = doc.findBlockByNumber(blocks[f.line])
            else:
                continue
            line = block.text()
            start = line.find(f.text) if f.text and f.text in line else f.start
            end = start + len(f.text) if f.text in line else f.end
            if not 0 <= start < end <= len(line):
                continue
            fmt = QTextCharFormat()
            fmt.setUnderlineStyle(QTextCharFormat.WaveUnderline)
            fmt.setUnderlineColor(QColor("#c62828" if f.severity == "block" else "#e65100"))
            fmt.setToolTip(f"{f.reason} → {f.suggestion}")
            cursor = QTextCursor(block)
            cursor.setPosition(block.position() + start)
            cursor.setPosition(block.position() + end, QTextCursor.KeepAnchor)
            sel = QTextEdit.ExtraSelection()
            sel.format, sel.cursor = fmt, cursor
            selections.append(sel)
        self.editor.setExtraSelections(selections)
        self.underlined = len(selections)

    # ---------------------------------------------------------------- editing
    def _typed(self) -> None:
        if not self._setting and not self.editor.isReadOnly() and self.item_id:
            self._timer.start()

    def set_script_text(self, text: str) -> None:
        """Type a script as the merchant would (committed at once, not after the pause)."""
        self.editor.setPlainText(text)
        self._timer.stop()
        self.commit()

    def flush(self) -> None:
        """Commit what is being typed now (before a save or a render)."""
        if self._timer.isActive():
            self._timer.stop()
            self.commit()

    def commit(self) -> None:
        if not self.item_id or not self.session.has_item(self.item_id):
            return
        try:
            self.session.set_script_text(self.item_id, self.editor.toPlainText())
        except StudioError as exc:  # the last good script stays; the line is named
            log.info("script edit not taken: %s", exc)
            self.error.setText(self.texts.t("脚本格式有误：", "The script has a problem: ") + str(exc))
            return
        self.error.setText("")

    def reset_script(self) -> bool:
        return bool(self.item_id) and self.session.reset_script(self.item_id)

    def apply_finding(self, index: int) -> bool:
        """Replace the line of finding `index` with its suggested rewrite (one undoable edit)."""
        return bool(self.item_id) and self.session.apply_rewrite(self.item_id, index)
