"""cffi build script: compiles `netlink_probe.sys._netlink_cffi` against the system UAPI headers.

Every netlink constant the project uses comes from here.  Instead of typing
names (and so, numbers) by hand, the build asks the C preprocessor which
macros and enum members the installed headers define under the prefixes the
project needs, and exports each one.  A newer linux-libc-dev therefore brings
its new constants without a code change.
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile

from cffi import FFI

HEADERS = """
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>
#include <string.h>
#include <poll.h>
#include <sched.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/fib_rules.h>
#include <linux/if_bridge.h>
#include <linux/nexthop.h>
#include <linux/netconf.h>
#include <linux/neighbour.h>
#include <linux/net_namespace.h>
#include <linux/veth.h>
#include <linux/genetlink.h>
#include <linux/if.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
"""

# Name prefixes exported as integer constants (macros or enum members).
PREFIXES = (
    "NETLINK_", "NLM_F_", "NLMSG_", "NLMSGERR_ATTR_", "NLA_F_", "NLA_TYPE_MASK", "NLA_ALIGNTO",
    "NL_POLICY_TYPE_ATTR_", "NL_ATTR_TYPE_",
    "RTM_", "RTNLGRP_", "RTMGRP_", "RTA_", "RTN_", "RTPROT_", "RT_SCOPE_", "RT_TABLE_",
    "RTNH_F_", "RTAX_", "RTEXT_FILTER_", "RTNETLINK_",
    "IFLA_", "IFF_", "IFA_", "IFA_F_", "IF_OPER_", "IF_LINK_MODE_", "IN6_ADDR_GEN_MODE_", "ARPHRD_",
    "FRA_", "FR_ACT_", "FIB_RULE_", "BRIDGE_VLANDB_",
    "NDA_", "NDTA_", "NDTPA_", "NTF_", "NUD_",
    "NETNSA_", "VETH_INFO_", "CTRL_", "GENL_",
    "CAP_", "_LINUX_CAPABILITY_",
    "AF_UNSPEC", "AF_INET", "AF_INET6", "AF_NETLINK", "AF_BRIDGE", "AF_PACKET",
    "SOCK_RAW", "SOCK_DGRAM", "SOCK_STREAM", "SOCK_SEQPACKET", "SOCK_CLOEXEC", "SOCK_NONBLOCK",
    "SOL_NETLINK", "SOL_SOCKET", "SO_RCVBUF", "SO_SNDBUF", "SO_RCVBUFFORCE", "SO_PASSCRED",
    "SO_PROTOCOL", "SO_TYPE", "SCM_CREDENTIALS",
    "MSG_PEEK", "MSG_TRUNC", "MSG_DONTWAIT", "MSG_CTRUNC",
    "CLONE_NEWNET", "CLONE_NEWUSER", "CLONE_NEWNS", "NS_GET_USERNS", "NS_GET_OWNER_UID",
    "PR_SET_KEEPCAPS", "PR_GET_KEEPCAPS", "PR_CAPBSET_DROP", "PR_CAPBSET_READ",
    "PR_SET_NO_NEW_PRIVS", "PR_CAP_AMBIENT", "PR_SET_DUMPABLE",
    "POLLIN", "POLLERR", "POLLHUP",
)

# Names matching a prefix that are not integer constants.
EXCLUDE = re.compile(r"^(NLMSG_(ALIGN|LENGTH|SPACE|DATA|NEXT|OK|PAYLOAD|HDRLEN)|RTM_(RTA|PAYLOAD|FAM)"
                     r"|RTA_(ALIGN|OK|NEXT|LENGTH|SPACE|DATA|PAYLOAD)|IFLA_(RTA|PAYLOAD)|IFA_(RTA|PAYLOAD)"
                     r"|NDA_(RTA|PAYLOAD)|NDTA_(RTA|PAYLOAD)|RTNH_(ALIGN|OK|NEXT|LENGTH|SPACE|DATA)"
                     r"|GENL_HDRLEN|NLA_HDRLEN|NLA_ALIGN)$|^CAP_TO_")

STRUCTS = """
typedef unsigned short sa_family_t;
typedef unsigned int socklen_t;
typedef unsigned long nfds_t;
typedef int pid_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;

struct sockaddr { ...; };
struct iovec { void *iov_base; size_t iov_len; };
struct msghdr { void *msg_name; socklen_t msg_namelen; struct iovec *msg_iov; size_t msg_iovlen;
                void *msg_control; size_t msg_controllen; int msg_flags; ...; };
struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; ...; };
struct ucred { pid_t pid; uid_t uid; gid_t gid; };
struct pollfd { int fd; short events; short revents; };

struct sockaddr_nl { sa_family_t nl_family; unsigned short nl_pad; uint32_t nl_pid; uint32_t nl_groups; };
struct nlmsghdr { uint32_t nlmsg_len; uint16_t nlmsg_type; uint16_t nlmsg_flags; uint32_t nlmsg_seq; uint32_t nlmsg_pid; };
struct nlmsgerr { int error; struct nlmsghdr msg; };
struct nlattr { uint16_t nla_len; uint16_t nla_type; };
struct nl_pktinfo { uint32_t group; };
struct rtgenmsg { unsigned char rtgen_family; };
struct genlmsghdr { uint8_t cmd; uint8_t version; uint16_t reserved; };
struct ifinfomsg { unsigned char ifi_family; unsigned char __ifi_pad; unsigned short ifi_type;
                   int ifi_index; unsigned ifi_flags; unsigned ifi_change; };
struct ifaddrmsg { uint8_t ifa_family; uint8_t ifa_prefixlen; uint8_t ifa_flags; uint8_t ifa_scope; uint32_t ifa_index; };
struct ifa_cacheinfo { uint32_t ifa_prefered; uint32_t ifa_valid; uint32_t cstamp; uint32_t tstamp; };
struct rtmsg { unsigned char rtm_family; unsigned char rtm_dst_len; unsigned char rtm_src_len; unsigned char rtm_tos;
               unsigned char rtm_table; unsigned char rtm_protocol; unsigned char rtm_scope; unsigned char rtm_type;
               unsigned rtm_flags; };
struct fib_rule_hdr { uint8_t family; uint8_t dst_len; uint8_t src_len; uint8_t tos; uint8_t table; uint8_t res1;
                      uint8_t res2; uint8_t action; uint32_t flags; };
struct br_vlan_msg { uint8_t family; uint8_t reserved1; uint16_t reserved2; uint32_t ifindex; };
struct br_port_msg { uint8_t family; uint32_t ifindex; };
struct nhmsg { unsigned char nh_family; unsigned char nh_scope; unsigned char nh_protocol; unsigned char resvd;
               unsigned int nh_flags; };
struct netconfmsg { unsigned char ncm_family; };
struct rtnexthop { unsigned short rtnh_len; unsigned char rtnh_flags; unsigned char rtnh_hops; int rtnh_ifindex; };
struct ndmsg { uint8_t ndm_family; uint8_t ndm_pad1; uint16_t ndm_pad2; int32_t ndm_ifindex; uint16_t ndm_state;
               uint8_t ndm_flags; uint8_t ndm_type; };
struct nda_cacheinfo { uint32_t ndm_confirmed; uint32_t ndm_used; uint32_t ndm_updated; uint32_t ndm_refcnt; };
struct ndtmsg { uint8_t ndtm_family; uint8_t ndtm_pad1; uint16_t ndtm_pad2; };
struct ndt_config { uint16_t ndtc_key_len; uint16_t ndtc_entry_size; uint32_t ndtc_entries; uint32_t ndtc_last_flush;
                    uint32_t ndtc_last_rand; uint32_t ndtc_hash_rnd; uint32_t ndtc_hash_mask;
                    uint32_t ndtc_hash_chain_gc; uint32_t ndtc_proxy_qlen; };
struct ndt_stats { uint64_t ndts_allocs; uint64_t ndts_destroys; uint64_t ndts_hash_grows; uint64_t ndts_res_failed;
                   uint64_t ndts_lookups; uint64_t ndts_hits; uint64_t ndts_rcv_probes_mcast; uint64_t ndts_rcv_probes_ucast;
                   uint64_t ndts_periodic_gc_runs; uint64_t ndts_forced_gc_runs; uint64_t ndts_table_fulls; };
struct ifla_cacheinfo { uint32_t max_reasm_len; uint32_t tstamp; uint32_t reachable_time; uint32_t retrans_time; };
struct rta_cacheinfo { uint32_t rta_clntref; uint32_t rta_lastuse; int32_t rta_expires; uint32_t rta_error;
                       uint32_t rta_used; uint32_t rta_id; uint32_t rta_ts; uint32_t rta_tsage; };
typedef struct __user_cap_header_struct { uint32_t version; int pid; } *cap_user_header_t;
typedef struct __user_cap_data_struct { uint32_t effective; uint32_t permitted; uint32_t inheritable; } *cap_user_data_t;
"""

FUNCTIONS = """
int socket(int domain, int type, int protocol);
int close(int fd);
int bind(int fd, const struct sockaddr *addr, socklen_t len);
int connect(int fd, const struct sockaddr *addr, socklen_t len);
int getsockname(int fd, struct sockaddr *addr, socklen_t *len);
int getpeername(int fd, struct sockaddr *addr, socklen_t *len);
ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr, socklen_t alen);
ssize_t sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *addr, socklen_t *alen);
ssize_t recvmsg(int fd, struct msghdr *msg, int flags);
int setsockopt(int fd, int level, int name, const void *val, socklen_t len);
int getsockopt(int fd, int level, int name, void *val, socklen_t *len);
int poll(struct pollfd *fds, nfds_t nfds, int timeout);
int setns(int fd, int nstype);
int unshare(int flags);
int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5);
int setgroups(size_t size, const gid_t *list);
int setresuid(uid_t ruid, uid_t euid, uid_t suid);
int setresgid(gid_t rgid, gid_t egid, gid_t sgid);
int np_capget(cap_user_header_t hdr, cap_user_data_t data);
int np_capset(cap_user_header_t hdr, const cap_user_data_t data);
int np_scan(const uint8_t *buf, size_t len, uint32_t seq, uint32_t pid, size_t fixed_len,
            const uint16_t *types, int nt, uint32_t *msg, uint32_t *off, uint32_t *vlen, uint64_t *val,
            uint32_t *present, int max_msgs, uint32_t *summary);
size_t np_format_ip(const uint8_t *buf, const uint32_t *off, const uint32_t *vlen, int count, char *out);
size_t np_join_ip(const uint8_t *buf, const uint32_t *off, const uint32_t *vlen, int count, const char *sep,
                  size_t seplen, char *out);
void np_gather(const uint8_t *buf, const uint32_t *msg, int count, size_t at, int size, uint8_t *dst);
uint32_t np_pack_values(const uint8_t *buf, const uint32_t *off, const uint32_t *vlen, int count, int width, uint8_t *dst);
void np_present(const uint32_t *off, int count, uint8_t *dst);
size_t np_cmsg_space(size_t len);
size_t np_cmsg_len(size_t len);
"""

# glibc has no wrappers for capget/capset; CMSG_* are macros.  These helpers are
# the only C the binding adds of its own, with np_scan (bulk decoding), one call per whole
# dump datagram (cffi's call overhead is too high per message).  The lazy view's index
# and its per-message types are a CPython extension, codec/_fastmsg.c (cffi makes no types).
SOURCE = HEADERS + r"""
static int np_capget(cap_user_header_t hdr, cap_user_data_t data) { return syscall(SYS_capget, hdr, data); }
static int np_capset(cap_user_header_t hdr, const cap_user_data_t data) { return syscall(SYS_capset, hdr, data); }
static size_t np_cmsg_space(size_t len) { return CMSG_SPACE(len); }

/* The text of one address (offset/length as np_scan gives them) at out, NUL-terminated; its length.
 * Absent (offset 0) or of another length than 4 or 16: "".  out needs 46 bytes. */
static size_t np_format_one(const uint8_t *buf, uint32_t o, uint32_t l, char *out) {
    out[0] = 0;
    if (o && l == 4) {  /* dotted quad by hand: several times faster than inet_ntop */
        char *p = out;
        for (int b = 0; b < 4; b++) {
            unsigned v = buf[o + b];
            if (v >= 100) { *p++ = (char)('0' + v / 100); v %= 100; *p++ = (char)('0' + v / 10); v %= 10; }
            else if (v >= 10) { *p++ = (char)('0' + v / 10); v %= 10; }
            *p++ = (char)('0' + v);
            *p++ = b < 3 ? '.' : 0;
        }
        return (size_t)(p - out) - 1;
    }
    if (o && l == 16)
        inet_ntop(AF_INET6, buf + o, out, 46);
    return strlen(out);
}

/* Text of count addresses (offsets/lengths of one np_scan column), each
 * followed by a NUL; an absent one (offset 0) or one of another length gives "".
 * out needs 46 bytes per address.  One call per datagram instead of one
 * inet_ntop() per object is what makes a 100k-route dump decode at ip's speed. */
static size_t np_format_ip(const uint8_t *buf, const uint32_t *off, const uint32_t *vlen, int count, char *out) {
    size_t w = 0;
    for (int i = 0; i < count; i++)
        w += np_format_one(buf, off[i], vlen[i], out + w) + 1;
    return w;
}

/* The same addresses joined by sep (seplen bytes) into out, without a NUL: what a renderer
 * whose objects differ only by address writes (fast_routes), with no Python string per address.
 * out needs 46 + seplen bytes per address.  Returns the bytes written. */
static size_t np_join_ip(const uint8_t *buf, const uint32_t *off, const uint32_t *vlen, int count,
                         const char *sep, size_t seplen, char *out) {
    size_t w = 0;
    for (int i = 0; i < count; i++) {
        if (i) { memcpy(out + w, sep, seplen); w += seplen; }
        w += np_format_one(buf, off[i], vlen[i], out + w);
    }
    return w;
}

/* Bulk decoding of one dump datagram (codec/columns.py): per call, not per message,
 * so cffi's call overhead is paid once per ~32 KiB.  For message i: msg[4i..4i+3] =
 * offset, length, type, flags.  Requested attribute type j has a column of max_msgs
 * entries at j*max_msgs: off = offset of the value (0 = absent; first occurrence
 * wins), vlen = its length, val = the value as an unsigned integer of its length
 * (1, 2, 4 or 8 bytes, else 0); present[j] counts the messages that had it.
 * summary[0] = the lowest message type (0xFFFF: none), summary[1] = all flags OR-ed:
 * codec.exchange's decision without a Python int per message; summary[2] = how many
 * leading messages are like the first in type, length and fixed header (fixed_len
 * bytes), so evenly spaced: a renderer takes them as one shape (0 when the first is
 * shorter than the fixed header).
 * Returns the number of messages; -1 for anything malformed and -2 for a message
 * whose seq/pid differ (the caller then takes the general path, which raises the
 * precise error). */
static int np_scan(const uint8_t *buf, size_t len, uint32_t seq, uint32_t pid, size_t fixed_len,
                   const uint16_t *types, int nt, uint32_t *msg, uint32_t *off, uint32_t *vlen, uint64_t *val,
                   uint32_t *present, int max_msgs, uint32_t *summary) {
    size_t pos = 0; int n = 0;
    for (int j = 0; j < nt; j++) present[j] = 0;
    summary[0] = 0xFFFF; summary[1] = 0; summary[2] = 0;
    while (pos < len) {
        uint32_t mlen, mseq, mpid; uint16_t mtype, mflags;
        if (len - pos < 16 || n >= max_msgs) return -1;
        memcpy(&mlen, buf + pos, 4); memcpy(&mtype, buf + pos + 4, 2); memcpy(&mflags, buf + pos + 6, 2);
        memcpy(&mseq, buf + pos + 8, 4); memcpy(&mpid, buf + pos + 12, 4);
        if (mlen < 16 || mlen > len - pos) return -1;
        if (mseq != seq || mpid != pid) return -2;
        msg[4 * n] = (uint32_t)pos; msg[4 * n + 1] = mlen; msg[4 * n + 2] = mtype; msg[4 * n + 3] = mflags;
        if (mtype < summary[0]) summary[0] = mtype;
        summary[1] |= mflags;
        if (summary[2] == (uint32_t)n && mlen >= 16 + fixed_len &&
                (n == 0 || (mtype == msg[2] && mlen == msg[1] && memcmp(buf + pos + 16, buf + 16, fixed_len) == 0)))
            summary[2]++;
        for (int j = 0; j < nt; j++) { size_t c = (size_t)j * max_msgs + n; off[c] = 0; vlen[c] = 0; val[c] = 0; }
        if (mtype >= 16) {  /* NLMSG_MIN_TYPE: a family message with fixed header + attributes */
            size_t a = pos + 16 + ((fixed_len + 3) & ~(size_t)3), end = pos + mlen;
            if (pos + 16 + fixed_len > end) return -1;
            while (a + 4 <= end) {
                uint16_t alen, atype;
                memcpy(&alen, buf + a, 2); memcpy(&atype, buf + a + 2, 2);
                if (alen < 4 || alen > end - a) return -1;
                atype &= 0x3fff;
                for (int j = 0; j < nt; j++) {
                    size_t c = (size_t)j * max_msgs + n;
                    if (types[j] == atype && off[c] == 0) {
                        size_t vl = alen - 4; uint64_t v = 0;
                        off[c] = (uint32_t)(a + 4);
                        vlen[c] = (uint32_t)vl;
                        present[j]++;
                        if (vl == 1) v = buf[a + 4];
                        else if (vl == 2) { uint16_t x; memcpy(&x, buf + a + 4, 2); v = x; }
                        else if (vl == 4) { uint32_t x; memcpy(&x, buf + a + 4, 4); v = x; }
                        else if (vl == 8) { memcpy(&v, buf + a + 4, 8); }
                        val[c] = v;
                    }
                }
                a += ((size_t)alen + 3) & ~(size_t)3;
            }
        }
        n++;
        pos += ((size_t)mlen + 3) & ~(size_t)3;
    }
    return n;
}
static size_t np_cmsg_len(size_t len) { return CMSG_LEN(len); }

/* Packed columns for Dump.columns(arrays=True), one call per column per datagram: the
 * size-byte field at `at` in each scanned message (msg as np_scan fills it) copied to dst;
 * and 1 or 0 per message for whether np_scan found an attribute (off != 0). */
static void np_gather(const uint8_t *buf, const uint32_t *msg, int count, size_t at, int size, uint8_t *dst) {
    for (int i = 0; i < count; i++) memcpy(dst + (size_t)i * size, buf + msg[4 * i] + at, (size_t)size);
}
static void np_present(const uint32_t *off, int count, uint8_t *dst) {
    for (int i = 0; i < count; i++) dst[i] = off[i] != 0;
}
/* An address column (codec/address_column.py): each value (off/vlen as np_scan gives them)
 * copied into a width-byte slot of dst, zero-filled (at most width bytes of a longer one).
 * Returns the longest value's length: the caller widens its slots when it exceeds width. */
static uint32_t np_pack_values(const uint8_t *buf, const uint32_t *off, const uint32_t *vlen, int count, int width,
                               uint8_t *dst) {
    uint32_t longest = 0;
    memset(dst, 0, (size_t)count * width);
    for (int i = 0; i < count; i++) {
        if (!off[i]) continue;
        if (vlen[i] > longest) longest = vlen[i];
        memcpy(dst + (size_t)i * width, buf + off[i], vlen[i] < (uint32_t)width ? vlen[i] : (size_t)width);
    }
    return longest;
}

"""


def _preprocess(args: list[str]) -> str:
    cc = os.environ.get("CC", "cc").split()
    with tempfile.NamedTemporaryFile("w", suffix=".h", delete=False) as f:
        f.write(HEADERS)
        path = f.name
    try:
        return subprocess.run(cc + args + [path], check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(path)


def constant_names() -> list[str]:
    """Names of integer macros and enum members under PREFIXES, as the installed headers define them."""
    names: set[str] = set()
    for line in _preprocess(["-E", "-dM"]).splitlines():
        m = re.match(r"#define ([A-Za-z_][A-Za-z0-9_]*) (\S.*)$", line)  # function-like macros have "NAME(" and fail
        if m:
            names.add(m.group(1))
    # enum members: identifiers at the start of an enum body entry
    text = _preprocess(["-E", "-P"])
    for body in re.findall(r"\benum\b[^{;]*\{([^}]*)\}", text):
        for entry in body.split(","):
            m = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)", entry)
            if m:
                names.add(m.group(1))
    keep = [n for n in names if n.startswith(PREFIXES) and not n.startswith("__") and not EXCLUDE.match(n)]
    return sorted(keep)


def enum_groups(names: set[str]) -> list[list[str]]:
    """Members of each enum in the headers, in declaration order, keeping only exported names.

    Attribute spaces (IFLA_*, IFLA_INFO_*, RTA_*, ...) are enums; their member
    lists let the codec name attribute types without a hand-written table."""
    groups = []
    for body in re.findall(r"\benum\b[^{;]*\{([^}]*)\}", _preprocess(["-E", "-P"])):
        members = [m.group(1) for e in body.split(",") if (m := re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)", e))]
        members = [m for m in members if m in names]
        if len(members) > 1:
            groups.append(members)
    return groups


def _integer_names(names: list[str]) -> list[str]:
    """Drop the few prefixed macros that are not integer constant expressions (checked by the compiler)."""
    probe = HEADERS + "".join(f"enum {{ np_probe_{i} = ({n}) }};\n" for i, n in enumerate(names))
    cc = os.environ.get("CC", "cc").split()
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "probe.c")
        with open(src, "w") as f:
            f.write(probe)
        r = subprocess.run(cc + ["-fsyntax-only", src], capture_output=True, text=True)
    bad_lines = {int(m.group(1)) for m in re.finditer(r"probe\.c:(\d+):\d+: error", r.stderr)}
    header_lines = HEADERS.count("\n")
    bad = {names[ln - header_lines - 1] for ln in bad_lines if 0 <= ln - header_lines - 1 < len(names)}
    return [n for n in names if n not in bad]


CONSTANTS = _integer_names(constant_names())
ENUMS = enum_groups(set(CONSTANTS))

ffibuilder = FFI()
ffibuilder.cdef(STRUCTS + FUNCTIONS + "".join(f"#define {n} ...\n" for n in CONSTANTS)
                + "static const char *const NP_CONSTANT_NAMES[];\nstatic const int NP_CONSTANT_COUNT;\n"
                + "static const char NP_ENUMS[];\n")
ffibuilder.set_source(
    "netlink_probe.sys._netlink_cffi",
    SOURCE
    + "static const char *const NP_CONSTANT_NAMES[] = {" + ",".join(f'"{n}"' for n in CONSTANTS) + "};\n"
    + f"static const int NP_CONSTANT_COUNT = {len(CONSTANTS)};\n"
    + 'static const char NP_ENUMS[] = "' + ";".join(",".join(g) for g in ENUMS) + '";\n',
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=False)
