"""What runs inside DaVinci Resolve: the menu scripts and their logic, stdlib only, Python 3.6 syntax."""
