"""The self-check: the rules every build and `reelwright check` apply to the episodes, and their report."""
