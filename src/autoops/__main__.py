"""``python -m autoops`` runs the command-line interface."""

from autoops.cli import main

if __name__ == "__main__":
    main()
