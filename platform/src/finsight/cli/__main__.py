from finsight.cli import main

main()
