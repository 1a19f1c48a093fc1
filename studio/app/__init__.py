"""The app's logic without Qt: the open project with its undo history (`session`) and the render
queue (`queue`). The desktop window (studio/gui) shows and drives them; tests drive them directly."""
