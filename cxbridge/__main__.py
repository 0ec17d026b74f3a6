from cxbridge.cli.main import main

main()
