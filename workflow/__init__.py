"""Pure domain logic of the response workflow: states, clocks, routing; no I/O, time passed in."""
