from samla_ops.cli import main

main()
