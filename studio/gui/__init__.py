"""PySide6 desktop app: panels over the Qt-free session and render queue of studio/app.

    app.py          start: logging, font, the project to open, the error hook
    main_window.py  the window: builds the panels and wires them
    panels/         products, script, preview, style, queue (one file each)
    models/         QAbstractTableModel subclasses over the session and the queue
    runner.py       the one bridge to background threads (renders, previews, proxies, checks)
    dialogs/        template gallery, settings, error dialog
"""
