"""The lab's runtime: connect(), backends, the lab clock, the resource registry and teardown."""
