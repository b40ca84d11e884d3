from aitrain_local.launcher import main

main()
