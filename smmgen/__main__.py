from smmgen.cli.main import run

# Guarded: worker processes started by forkserver import this module under another name.
if __name__ == "__main__":
    run()
