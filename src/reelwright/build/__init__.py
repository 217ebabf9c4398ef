"""The build: the stage graph from scripts to finished episodes, the mix, the dry-run plan, typed results."""
