from reelwright.cli import main

raise SystemExit(main())
