"""A local emulator of the Notion REST API, serving a frozen workspace (a store file) over
loopback HTTP. Test and demo equipment: the product (`pipeline`) imports it only for `--store`."""

from notion_emulator.server import Faults, NotionEmulator, RequestRecord, load_store, main

__all__ = ["Faults", "NotionEmulator", "RequestRecord", "load_store", "main"]
