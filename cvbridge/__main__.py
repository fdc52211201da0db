from cvbridge.cli import main

main()
