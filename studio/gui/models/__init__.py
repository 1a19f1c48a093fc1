"""Qt table models over the session and the render queue (one row repainted at a time)."""
from .products import (COL_LANG, COL_NAME, COL_PHOTOS, COL_POINTS, COL_PRICE, COL_ROW, COL_STATUS, ITEM_ID_ROLE,
                       SHEET_ROW_ROLE, STATUS_ROLE, ProductsModel)
from .queue import (JOB_ID_ROLE, PROGRESS_ROLE, Q_ACTIONS, Q_ETA, Q_JOB, Q_PROGRESS, Q_RESULT, Q_STAGE, STATE_ROLE,
                    QueueModel)

__all__ = ["COL_LANG", "COL_NAME", "COL_PHOTOS", "COL_POINTS", "COL_PRICE", "COL_ROW", "COL_STATUS", "ITEM_ID_ROLE",
           "JOB_ID_ROLE", "PROGRESS_ROLE", "ProductsModel", "Q_ACTIONS", "Q_ETA", "Q_JOB", "Q_PROGRESS", "Q_RESULT",
           "Q_STAGE", "QueueModel", "SHEET_ROW_ROLE", "STATE_ROLE", "STATUS_ROLE"]
