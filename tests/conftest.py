import os

# Tests never need a display; the real-window test starts its own Xvfb.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
