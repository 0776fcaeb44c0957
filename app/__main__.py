"""`python -m app`: the command line (app/cli)."""

from app.cli.main import main

if __name__ == "__main__":
    main()
