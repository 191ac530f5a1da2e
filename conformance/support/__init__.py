"""Support code of the conformance suite, one concept per module; the tests are the files beside it.

Nothing here asserts a kernel behaviour by itself, and nothing registers
itself at import time: fixtures and the decode oracle's tap live in
``support.plugin``, which ``conformance/conftest.py`` loads.

  outcome          'ok' or the errno name of a call (the profile's value vocabulary)
  iproute2         running `ip` inside a namespace; its JSON normalised (the tie-breaker)
  normalise        netlink_probe messages as comparable dicts (KEYS, FIELDS)
  pyroute2_view    the same dicts as pyroute2 sees them, in a proven namespace
  compare          field-by-field diffs of two views, with iproute2's verdict
  allowlist        documented pyroute2 decoding limitations (docs/pyroute2-allowlist.md)
  decode_compare   one message decoded by both decoders, the differences listed
  decode_oracle    collects kernel datagrams through a transport tap, checks them
  expect           what each kernel should answer, by feature or version
  kallsyms         which kernel functions exist (feature probes)
  link_kinds       which link kinds this kernel creates, and why
  host_snapshot    the host namespace's state, to prove the suite never touched it
  probes           socket(), NLMSG_NOOP and group ranges per protocol, cached
  kernel_rules     the netlink_kernel_cfg rule book and the predicted outcomes
  permission_matrix  one forked child per privilege context, every cell probed
  permission_doc   docs/permission-matrix.md rendered from the matrices
  multicast        group bitmaps, /proc/net/netlink, notification listeners
  monitor          `netlink-probe monitor` as a subprocess, read back as JSON
  linkwatch        waiting for asynchronous link state before two views of a link are compared
  requirements     what a test needs of this process's privileges (the `needs` marker), per protocol
  routes           helpers of the route and neighbour tests
  raw_io           raw recvmsg, batches and answers for the socket-semantics tests
  plugin           every fixture and hook of the suite
"""
