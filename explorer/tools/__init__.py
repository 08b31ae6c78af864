"""Outside the page: the command line (cli.py, cli_commands.py) and files of a run (export.py: CSV, GIF).
"""
