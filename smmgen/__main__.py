from smmgen.cli.main import run

# Guarded: importing this module (under another name than __main__) must not run the command line.
if __name__ == "__main__":
    run()
