from reasonlint.cli import main

main()
