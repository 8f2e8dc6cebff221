"""What every app shares and that imports no app: the bottom layer.

Sane ranges for the dates requests name (dates) and text made safe for the
formats it leaves in (text).
"""
