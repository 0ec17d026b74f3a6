from cxbridge.cli.launch import main

main()
