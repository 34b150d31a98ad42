from traindoctor.cli import main

main()
