"""The running application: settings, the composition root, the channels, the outbox
dispatcher, the HTTP server and the command line.

`bot.bootstrap` builds everything the same way for every entry point (`dondoc run`, the
demo, `dondoc chat`, tests and benchmarks). This is the top layer: it may import every
other package; nothing below imports it.
"""
