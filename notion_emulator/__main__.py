from notion_emulator.server import main

raise SystemExit(main())
