"""What the notifications service decides, free of I/O: who hears what, when, in which language."""
