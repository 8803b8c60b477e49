from shopsight.cli import main

main()
