/* The lazy per-message view of dump datagrams in C: netlink_probe.codec._fastmsg.
 *
 * Why C: a Message/Attrs view in Python costs a Python frame per call (attrs(), get(), u32(),
 * header()), which at 100k routes was three quarters of a dump's time; cffi cannot make Python
 * types.  What is here:
 *
 *   MessageBase, AttrsBase  the storage of codec.message.Message and codec.attribute.Attrs
 *                           (their fields, no methods: those stay in Python);
 *   index()                 one call per dump datagram: split the messages, check their headers,
 *                           seq and port id, index the first attribute of every type per message
 *                           (a DatagramIndex);
 *   IndexedMessageBase      a message of a DatagramIndex: nlmsghdr fields read from the index on
 *                           access, attrs() and header() (the family header, unpacked when asked)
 *                           without a Python frame;
 *   IndexedAttrsBase        its attributes: get/u32/ip/offset/`in` (and the _scalar behind u8 ...
 *                           be32) read the index row.
 *
 * codec.msgindex and codec.attr_index subclass the two views (to be Messages and Attrs) and hand
 * this module, through configure(), the Python paths it falls back to.  The views only hold
 * their DatagramIndex, which holds bytes and plain values: they cannot form reference cycles,
 * so they are untracked by the cyclic GC once made.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <string.h>

/* Set by configure(): the Python subclasses to make, and the Python paths for what the index
 * does not cover (a message it could not index, a header too short). */
static PyTypeObject *indexed_message_type, *indexed_attrs_type;
static PyObject *message_attrs, *message_header, *attrs_ip, *decode_error;
static PyObject *array_type;  /* array.array */

/* -- MessageBase, AttrsBase: storage only ------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *buf, *offset, *length, *type, *flags, *seq, *pid, *attrs;
} MessageBase;

static void MessageBase_dealloc(MessageBase *self) {
    Py_CLEAR(self->buf); Py_CLEAR(self->offset); Py_CLEAR(self->length); Py_CLEAR(self->type);
    Py_CLEAR(self->flags); Py_CLEAR(self->seq); Py_CLEAR(self->pid); Py_CLEAR(self->attrs);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMemberDef MessageBase_members[] = {
    {"buf", T_OBJECT_EX, offsetof(MessageBase, buf), 0, "the buffer the message lies in"},
    {"offset", T_OBJECT_EX, offsetof(MessageBase, offset), 0, "offset of its nlmsghdr in buf"},
    {"length", T_OBJECT_EX, offsetof(MessageBase, length), 0, "nlmsg_len"},
    {"type", T_OBJECT_EX, offsetof(MessageBase, type), 0, "nlmsg_type"},
    {"flags", T_OBJECT_EX, offsetof(MessageBase, flags), 0, "nlmsg_flags"},
    {"seq", T_OBJECT_EX, offsetof(MessageBase, seq), 0, "nlmsg_seq"},
    {"pid", T_OBJECT_EX, offsetof(MessageBase, pid), 0, "nlmsg_pid"},
    {"_attrs", T_OBJECT, offsetof(MessageBase, attrs), 0, "Message.attrs' cache (None when empty)"},
    {NULL}
};

static PyTypeObject MessageBase_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "netlink_probe.codec._fastmsg.MessageBase",
    .tp_basicsize = sizeof(MessageBase),
    .tp_dealloc = (destructor)MessageBase_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The fields of a Message (codec.message), stored in C.",
    .tp_members = MessageBase_members,
    .tp_new = PyType_GenericNew,
};

typedef struct {
    PyObject_HEAD
    PyObject *buf, *start, *end, *first, *all, *mv;
} AttrsBase;

static void AttrsBase_dealloc(AttrsBase *self) {
    Py_CLEAR(self->buf); Py_CLEAR(self->start); Py_CLEAR(self->end);
    Py_CLEAR(self->first); Py_CLEAR(self->all); Py_CLEAR(self->mv);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMemberDef AttrsBase_members[] = {
    {"buf", T_OBJECT_EX, offsetof(AttrsBase, buf), 0, "the buffer the attributes lie in"},
    {"start", T_OBJECT_EX, offsetof(AttrsBase, start), 0, "where the run starts in buf"},
    {"end", T_OBJECT_EX, offsetof(AttrsBase, end), 0, "where it ends"},
    {"_first", T_OBJECT, offsetof(AttrsBase, first), 0, "type -> offset of its first attribute (None: not indexed yet)"},
    {"_all", T_OBJECT, offsetof(AttrsBase, all), 0, "(type word, offset, nla_len) in wire order (None: not walked yet)"},
    {"_mv", T_OBJECT, offsetof(AttrsBase, mv), 0, "a memoryview of buf (None: not made yet)"},
    {NULL}
};

static PyTypeObject AttrsBase_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "netlink_probe.codec._fastmsg.AttrsBase",
    .tp_basicsize = sizeof(AttrsBase),
    .tp_dealloc = (destructor)AttrsBase_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The fields of an Attrs (codec.attribute), stored in C.",
    .tp_members = AttrsBase_members,
    .tp_new = PyType_GenericNew,
};

/* -- DatagramIndex --------------------------------------------------------------------------- */

/* Message i: msg[4i..4i+3] = offset, length, type, flags.  Its row of tab starts at i * stride
 * (stride = width + 1): tab[row] = 1 when the message was indexed, and then tab[row + 1 + t] =
 * offset of the first nlattr of type t from the message's start (0: absent), bit 0 set when its
 * value is shorter than 4 bytes (offsets are 4-aligned).  Indexed are messages of type >=
 * NLMSG_MIN_TYPE, shorter than 64 KiB, whose payload holds fixed_len bytes and then a
 * well-formed attribute run (every nla_len at least 4 and inside the message, only zero bytes
 * after the last one: Attrs._index's checks) with every type below max_types; the Python codec
 * indexes any other itself, raising, when asked, what it finds. */
#define MAX_FIELDS 32

/* A family header layout (codec.layouts.Layout) compiled from its struct format: where each
 * field lies after the nlmsghdr and its C type (a struct code: B b H h I i Q q). */
typedef struct {
    PyObject *layout, *cls;  /* the Layout (compared by identity) and its named tuple class */
    Py_ssize_t size, n;
    uint16_t off[MAX_FIELDS];
    char code[MAX_FIELDS];
} HeaderProgram;

typedef struct {
    PyObject_HEAD
    PyObject *data, *mv, *seq, *pid, *flat;
    Py_buffer view;
    uint32_t *msg;
    uint16_t *tab;
    Py_ssize_t n, width, stride, fixed_len, skip;
    unsigned int lowest_type, all_flags;  /* codec.exchange's summary: no Python int per message */
    HeaderProgram hdr;  /* the layout the last header() call read */
} DatagramIndex;

static void DatagramIndex_dealloc(DatagramIndex *self) {
    if (self->view.obj) PyBuffer_Release(&self->view);
    Py_CLEAR(self->mv); Py_CLEAR(self->data); Py_CLEAR(self->seq); Py_CLEAR(self->pid);
    Py_CLEAR(self->flat); Py_CLEAR(self->hdr.layout); Py_CLEAR(self->hdr.cls);
    PyMem_Free(self->msg);
    PyMem_Free(self->tab);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *DatagramIndex_messages(DatagramIndex *self, PyObject *arg);

static PyMethodDef DatagramIndex_methods[] = {
    {"messages", (PyCFunction)DatagramIndex_messages, METH_O,
     "messages(k): an iterator over the first k messages, each an IndexedMessage made as it is asked for"},
    {NULL}
};

static PyMemberDef DatagramIndex_members[] = {
    {"data", T_OBJECT_EX, offsetof(DatagramIndex, data), READONLY, "the datagram"},
    {"flat", T_OBJECT_EX, offsetof(DatagramIndex, flat), READONLY,
     "(offset, length, type, flags) of every message, flat: an array('I')"},
    {"seq", T_OBJECT_EX, offsetof(DatagramIndex, seq), READONLY, "the sequence number every message carries"},
    {"pid", T_OBJECT_EX, offsetof(DatagramIndex, pid), READONLY, "the port id every message carries"},
    {"fixed_len", T_PYSSIZET, offsetof(DatagramIndex, fixed_len), READONLY, "the family header's size"},
    {"width", T_PYSSIZET, offsetof(DatagramIndex, width), READONLY, "1 + the largest attribute type indexed"},
    {"lowest_type", T_UINT, offsetof(DatagramIndex, lowest_type), READONLY,
     "the lowest nlmsg_type of the messages (0xFFFF when there are none)"},
    {"all_flags", T_UINT, offsetof(DatagramIndex, all_flags), READONLY, "the nlmsg_flags of all messages, OR-ed"},
    {NULL}
};

static PyTypeObject DatagramIndex_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "netlink_probe.codec._fastmsg.DatagramIndex",
    .tp_basicsize = sizeof(DatagramIndex),
    .tp_dealloc = (destructor)DatagramIndex_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "index()'s result for one datagram: its messages and the first attribute of each type in each.",
    .tp_methods = DatagramIndex_methods,
    .tp_members = DatagramIndex_members,
};

/* Whether the attributes of [a, end) are a well-formed run with every type below max_w;
 * *top gets the largest type seen. */
static int run_ok(const uint8_t *buf, size_t a, size_t end, Py_ssize_t max_w, Py_ssize_t *top) {
    while (a + 4 <= end) {
        uint16_t alen, atype;
        memcpy(&alen, buf + a, 2); memcpy(&atype, buf + a + 2, 2);
        atype &= 0x3fff;
        if (alen < 4 || alen > end - a || atype >= max_w) return 0;
        if (atype > *top) *top = atype;
        a += ((size_t)alen + 3) & ~(size_t)3;
    }
    for (; a < end; a++) if (buf[a]) return 0;
    return 1;
}

static int as_u32(PyObject *o, uint32_t *out) {
    unsigned long v = PyLong_AsUnsignedLong(o);
    if (v == (unsigned long)-1 && PyErr_Occurred()) return -1;
    if (v > 0xFFFFFFFFul) { PyErr_SetString(PyExc_OverflowError, "sequence numbers and port ids are u32"); return -1; }
    *out = (uint32_t)v;
    return 0;
}

/* index(data, seq, pid, fixed_len, max_types) -> DatagramIndex, or None when a header is
 * malformed or a message's seq or port id differs (the caller then classifies the datagram
 * message by message, which raises or skips precisely). */
static PyObject *fm_index(PyObject *mod, PyObject *const *args, Py_ssize_t nargs) {
    uint32_t seq, pid;
    Py_ssize_t fixed_len, max_w;
    if (nargs != 5) { PyErr_SetString(PyExc_TypeError, "index(data, seq, pid, fixed_len, max_types)"); return NULL; }
    if (as_u32(args[1], &seq) < 0 || as_u32(args[2], &pid) < 0) return NULL;
    fixed_len = PyLong_AsSsize_t(args[3]);
    if (fixed_len == -1 && PyErr_Occurred()) return NULL;
    max_w = PyLong_AsSsize_t(args[4]);
    if (max_w == -1 && PyErr_Occurred()) return NULL;
    if (fixed_len < 0 || max_w < 0 || max_w > 0x3fff + 1) {
        PyErr_SetString(PyExc_ValueError, "fixed_len and max_types must be >= 0, max_types <= 16384");
        return NULL;
    }
    DatagramIndex *ix = (DatagramIndex *)DatagramIndex_Type.tp_alloc(&DatagramIndex_Type, 0);
    if (!ix) return NULL;
    if (PyObject_GetBuffer(args[0], &ix->view, PyBUF_SIMPLE) < 0) { Py_DECREF(ix); return NULL; }
    const uint8_t *buf = ix->view.buf;
    size_t len = (size_t)ix->view.len, pos = 0, skip = ((size_t)fixed_len + 3) & ~(size_t)3;
    size_t cap = len / 16 + 1;
    Py_ssize_t n = 0, top = -1;
    unsigned int lowest = 0xFFFF, ored = 0;
    uint8_t *ok = PyMem_Malloc(cap);
    ix->msg = PyMem_Malloc(16 * cap);
    if (!ok || !ix->msg) { PyMem_Free(ok); Py_DECREF(ix); return PyErr_NoMemory(); }
    while (pos < len) {  /* pass 1: split and check (message.parse's rules); whether each is indexed */
        uint32_t mlen, mseq, mpid; uint16_t mtype, mflags;
        if (len - pos < 16 || (size_t)n >= cap) goto general;
        memcpy(&mlen, buf + pos, 4); memcpy(&mtype, buf + pos + 4, 2); memcpy(&mflags, buf + pos + 6, 2);
        memcpy(&mseq, buf + pos + 8, 4); memcpy(&mpid, buf + pos + 12, 4);
        if (mlen < 16 || mlen > len - pos) goto general;
        if (((size_t)mlen + 3) / 4 * 4 > len - pos && pos + mlen != len) goto general;
        if (mseq != seq || mpid != pid) goto general;
        uint32_t *m = ix->msg + 4 * n;
        m[0] = (uint32_t)pos; m[1] = mlen; m[2] = mtype; m[3] = mflags;
        if (mtype < lowest) lowest = mtype;
        ored |= mflags;
        ok[n] = mtype >= 16 && mlen <= 0xFFFF && 16 + (size_t)fixed_len <= mlen
                && run_ok(buf, pos + (16 + skip < mlen ? 16 + skip : mlen), pos + mlen, max_w, &top);
        n++;
        pos += ((size_t)mlen + 3) & ~(size_t)3;
    }
    Py_ssize_t w = top + 1, stride = w + 1;
    ix->tab = PyMem_Calloc((size_t)(n ? n : 1) * (size_t)stride, 2);
    if (!ix->tab) { PyMem_Free(ok); Py_DECREF(ix); return PyErr_NoMemory(); }
    for (Py_ssize_t i = 0; i < n; i++) {  /* pass 2: the rows of the indexed messages */
        uint16_t *row = ix->tab + i * stride;
        if (!(row[0] = ok[i])) continue;
        size_t p = ix->msg[4 * i], end = p + ix->msg[4 * i + 1];
        size_t a = p + 16 + skip < end ? p + 16 + skip : end;
        while (a + 4 <= end) {
            uint16_t alen, atype;
            memcpy(&alen, buf + a, 2); memcpy(&atype, buf + a + 2, 2);
            atype &= 0x3fff;
            if (!row[1 + atype]) row[1 + atype] = (uint16_t)((a - p) | (alen < 8));  /* bit 0: no u32 */
            a += ((size_t)alen + 3) & ~(size_t)3;
        }
    }
    PyMem_Free(ok);
    ix->n = n; ix->width = w; ix->stride = stride; ix->fixed_len = fixed_len;
    ix->skip = 16 + (Py_ssize_t)skip;
    ix->lowest_type = lowest; ix->all_flags = ored;
    Py_INCREF(args[0]); ix->data = args[0];
    Py_INCREF(args[1]); ix->seq = args[1];
    Py_INCREF(args[2]); ix->pid = args[2];
    /* an array, not a list: no Python int per entry (codec.exchange slices it) */
    ix->flat = PyObject_CallFunction(array_type, "sy#", "I", (const char *)ix->msg, (Py_ssize_t)(16 * n));
    ix->mv = PyMemoryView_FromObject(args[0]);  /* shared by every value slice of the datagram */
    if (!ix->flat || !ix->mv) { Py_DECREF(ix); return NULL; }
    return (PyObject *)ix;
general:
    PyMem_Free(ok);
    Py_DECREF(ix);
    Py_RETURN_NONE;
}

/* -- IndexedMessageBase ---------------------------------------------------------------------- */

typedef struct {
    MessageBase base;  /* unused but for _attrs (Message.attrs' cache, on its fallback path) */
    DatagramIndex *ix;
    Py_ssize_t row;
} IndexedMessage;

static void IndexedMessage_dealloc(IndexedMessage *self) {
    Py_CLEAR(self->ix);
    MessageBase_dealloc(&self->base);
}

static PyObject *new_untracked(PyTypeObject *t) {
    PyObject *o = t->tp_alloc(t, 0);
    if (o && PyObject_IS_GC(o)) PyObject_GC_UnTrack(o);  /* see the top: no cycles to find */
    return o;
}

static PyObject *IndexedMessage_attrs(IndexedMessage *self, PyObject *fixed_len);
static PyObject *IndexedMessage_header(IndexedMessage *self, PyObject *layout);

static PyMethodDef IndexedMessage_methods[] = {
    {"attrs", (PyCFunction)IndexedMessage_attrs, METH_O,
     "attrs(fixed_len): the attributes after a family header of fixed_len bytes (see Message.attrs)"},
    {"header", (PyCFunction)IndexedMessage_header, METH_O,
     "header(layout): the family header by field name (see Message.header)"},
    {NULL}
};

static uint32_t msg_field(IndexedMessage *self, int k) { return self->ix->msg[4 * self->row + k]; }
static PyObject *IM_buf(IndexedMessage *self, void *c) { return Py_NewRef(self->ix->data); }
static PyObject *IM_offset(IndexedMessage *self, void *c) { return PyLong_FromUnsignedLong(msg_field(self, 0)); }
static PyObject *IM_length(IndexedMessage *self, void *c) { return PyLong_FromUnsignedLong(msg_field(self, 1)); }
static PyObject *IM_type(IndexedMessage *self, void *c) { return PyLong_FromUnsignedLong(msg_field(self, 2)); }
static PyObject *IM_flags(IndexedMessage *self, void *c) { return PyLong_FromUnsignedLong(msg_field(self, 3)); }
static PyObject *IM_seq(IndexedMessage *self, void *c) { return Py_NewRef(self->ix->seq); }
static PyObject *IM_pid(IndexedMessage *self, void *c) { return Py_NewRef(self->ix->pid); }
static PyObject *IM_index(IndexedMessage *self, void *c) { return Py_NewRef(self->ix); }
static PyObject *IM_row(IndexedMessage *self, void *c) { return PyLong_FromSsize_t(self->row); }

static PyGetSetDef IndexedMessage_getset[] = {  /* read from the index on access */
    {"buf", (getter)IM_buf, NULL, "the datagram", NULL},
    {"offset", (getter)IM_offset, NULL, "offset of its nlmsghdr in buf", NULL},
    {"length", (getter)IM_length, NULL, "nlmsg_len", NULL},
    {"type", (getter)IM_type, NULL, "nlmsg_type", NULL},
    {"flags", (getter)IM_flags, NULL, "nlmsg_flags", NULL},
    {"seq", (getter)IM_seq, NULL, "nlmsg_seq", NULL},
    {"pid", (getter)IM_pid, NULL, "nlmsg_pid", NULL},
    {"_index", (getter)IM_index, NULL, "its DatagramIndex", NULL},
    {"_row", (getter)IM_row, NULL, "its number in the index", NULL},
    {NULL}
};

static PyTypeObject IndexedMessage_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "netlink_probe.codec._fastmsg.IndexedMessageBase",
    .tp_basicsize = sizeof(IndexedMessage),
    .tp_dealloc = (destructor)IndexedMessage_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "A message of a DatagramIndex (made by DatagramIndex.messages, never by hand).",
    .tp_methods = IndexedMessage_methods,
    .tp_getset = IndexedMessage_getset,
    .tp_base = &MessageBase_Type,
};

typedef struct {
    PyObject_HEAD
    DatagramIndex *ix;
    Py_ssize_t i, k;
} MessageIter;

static void MessageIter_dealloc(MessageIter *self) {
    Py_CLEAR(self->ix);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *MessageIter_next(MessageIter *self) {
    if (self->i >= self->k) return NULL;
    if (!indexed_message_type) { PyErr_SetString(PyExc_RuntimeError, "_fastmsg.configure() was not called"); return NULL; }
    IndexedMessage *m = (IndexedMessage *)new_untracked(indexed_message_type);
    if (!m) return NULL;
    Py_INCREF(self->ix);
    m->ix = self->ix;
    m->row = self->i++;
    return (PyObject *)m;
}

static PyTypeObject MessageIter_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "netlink_probe.codec._fastmsg.MessageIter",
    .tp_basicsize = sizeof(MessageIter),
    .tp_dealloc = (destructor)MessageIter_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)MessageIter_next,
};

static PyObject *DatagramIndex_messages(DatagramIndex *self, PyObject *arg) {
    Py_ssize_t k = PyLong_AsSsize_t(arg);
    if (k == -1 && PyErr_Occurred()) return NULL;
    if (k < 0 || k > self->n) { PyErr_Format(PyExc_ValueError, "%zd messages asked, the datagram has %zd", k, self->n); return NULL; }
    MessageIter *it = PyObject_New(MessageIter, &MessageIter_Type);
    if (!it) return NULL;
    Py_INCREF(self);
    it->ix = self; it->i = 0; it->k = k;
    return (PyObject *)it;
}

/* -- IndexedAttrsBase ------------------------------------------------------------------------ */

typedef struct {
    AttrsBase base;  /* unused but for _first, _all (Attrs' less used paths fill them) */
    DatagramIndex *ix;
    Py_ssize_t row;   /* where the message's type entries start in ix->tab */
    Py_ssize_t moff;  /* the message's offset in the datagram */
} IndexedAttrs;

static void IndexedAttrs_dealloc(IndexedAttrs *self) {
    Py_CLEAR(self->ix);
    AttrsBase_dealloc(&self->base);
}

static PyObject *IndexedMessage_attrs(IndexedMessage *self, PyObject *fixed_len) {
    DatagramIndex *ix = self->ix;
    int overflow;
    long fl = PyLong_Check(fixed_len) ? PyLong_AsLongAndOverflow(fixed_len, &overflow) : -1;
    if (fl == -1 && PyErr_Occurred()) return NULL;
    Py_ssize_t row = self->row * ix->stride;
    if (fl != ix->fixed_len || !ix->tab[row] || !indexed_attrs_type)  /* the plain path (and its errors) */
        return PyObject_CallFunctionObjArgs(message_attrs, (PyObject *)self, fixed_len, NULL);
    IndexedAttrs *a = (IndexedAttrs *)new_untracked(indexed_attrs_type);
    if (!a) return NULL;
    Py_INCREF(ix);
    a->ix = ix;
    a->row = row + 1;
    a->moff = ix->msg[4 * self->row];
    return (PyObject *)a;
}

/* Compile layout into ix->hdr: 0, or -1 with an exception; 1 when its format has a code this
 * reader does not know (the caller then takes Message.header's path). */
static int compile_header(DatagramIndex *ix, PyObject *layout) {
    HeaderProgram *h = &ix->hdr;
    Py_CLEAR(h->layout); Py_CLEAR(h->cls);
    PyObject *st = PyObject_GetAttrString(layout, "_struct"), *fmt = NULL;
    if (!st) return -1;
    fmt = PyObject_GetAttrString(st, "format");
    Py_DECREF(st);
    if (!fmt) return -1;
    const char *f = PyUnicode_Check(fmt) ? PyUnicode_AsUTF8(fmt) : NULL;
    if (!f) { Py_DECREF(fmt); return PyErr_Occurred() ? -1 : 1; }
    Py_ssize_t pos = 0, n = 0;
    int known = *f == '=';  /* standard sizes, no alignment: Layout's structs */
    for (f += known; known && *f; f++) {
        int size = *f == 'x' ? 1 : *f == 'B' || *f == 'b' ? 1 : *f == 'H' || *f == 'h' ? 2
                 : *f == 'I' || *f == 'i' ? 4 : *f == 'Q' || *f == 'q' ? 8 : 0;
        if (!size || n >= MAX_FIELDS || pos > 0xFFFF) { known = 0; break; }
        if (*f != 'x') { h->off[n] = (uint16_t)pos; h->code[n] = *f; n++; }
        pos += size;
    }
    Py_DECREF(fmt);
    if (!known) return 1;
    PyObject *cls = PyObject_GetAttrString(layout, "_tuple");
    if (!cls) return -1;
    if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, &PyTuple_Type)) { Py_DECREF(cls); return 1; }
    h->layout = Py_NewRef(layout);
    h->cls = cls;
    h->size = pos;
    h->n = n;
    return 0;
}

static PyObject *header_field(const uint8_t *p, char code) {
    switch (code) {
    case 'B': return PyLong_FromLong(p[0]);
    case 'b': return PyLong_FromLong((int8_t)p[0]);
    case 'H': { uint16_t v; memcpy(&v, p, 2); return PyLong_FromLong(v); }
    case 'h': { int16_t v; memcpy(&v, p, 2); return PyLong_FromLong(v); }
    case 'I': { uint32_t v; memcpy(&v, p, 4); return PyLong_FromUnsignedLong(v); }
    case 'i': { int32_t v; memcpy(&v, p, 4); return PyLong_FromLong(v); }
    case 'Q': { uint64_t v; memcpy(&v, p, 8); return PyLong_FromUnsignedLongLong(v); }
    default: { int64_t v; memcpy(&v, p, 8); return PyLong_FromLongLong(v); }
    }
}

/* The family header as the layout's named tuple, unpacked from the datagram when asked. */
static PyObject *IndexedMessage_header(IndexedMessage *self, PyObject *layout) {
    DatagramIndex *ix = self->ix;
    HeaderProgram *h = &ix->hdr;
    if (h->layout != layout) {
        int r = compile_header(ix, layout);
        if (r < 0) return NULL;
        if (r > 0) return PyObject_CallFunctionObjArgs(message_header, (PyObject *)self, layout, NULL);
    }
    uint32_t off = msg_field(self, 0), len = msg_field(self, 1);
    if (16 + h->size > (Py_ssize_t)len)  /* too short for the layout: the plain path raises its DecodeError */
        return PyObject_CallFunctionObjArgs(message_header, (PyObject *)self, layout, NULL);
    PyTypeObject *cls = (PyTypeObject *)h->cls;
    PyObject *t = cls->tp_alloc(cls, h->n);
    if (!t) return NULL;
    const uint8_t *p = (const uint8_t *)ix->view.buf + off + 16;
    for (Py_ssize_t i = 0; i < h->n; i++) {
        PyObject *v = header_field(p + h->off[i], h->code[i]);
        if (!v) { Py_DECREF(t); return NULL; }
        PyTuple_SET_ITEM(t, i, v);
    }
    return t;
}

/* The index entry of type t (offset from the message, bit 0: shorter than a u32), 0 when absent;
 * -1 with an exception when t is not an integer. */
static long entry(IndexedAttrs *self, PyObject *t) {
    int overflow;
    long v = PyLong_AsLongAndOverflow(t, &overflow);
    if (v == -1 && PyErr_Occurred()) return -1;
    if (overflow || v < 0 || v >= self->ix->width) return 0;
    return self->ix->tab[self->row + v];
}

static uint16_t nla_len(IndexedAttrs *self, Py_ssize_t off) {
    uint16_t alen;
    memcpy(&alen, (const uint8_t *)self->ix->view.buf + off, 2);
    return alen;
}

static PyObject *raise_decode(Py_ssize_t off, PyObject *msg) {
    if (!msg) return NULL;
    PyObject *e = PyObject_CallFunction(decode_error, "nO", off, msg);
    Py_DECREF(msg);
    if (!e) return NULL;
    PyErr_SetObject((PyObject *)Py_TYPE(e), e);
    Py_DECREF(e);
    return NULL;
}

static int parse_lookup(PyObject *const *args, Py_ssize_t nargs, Py_ssize_t lo, Py_ssize_t hi, const char *name) {
    if (nargs < lo || nargs > hi) {
        PyErr_Format(PyExc_TypeError, "%s() takes %zd to %zd arguments (%zd given)", name, lo, hi, nargs);
        return -1;
    }
    return 0;
}

static PyObject *IA_get(IndexedAttrs *self, PyObject *const *args, Py_ssize_t nargs) {
    if (parse_lookup(args, nargs, 1, 2, "get") < 0) return NULL;
    long o = entry(self, args[0]);
    if (o < 0) return NULL;
    if (!o) return Py_NewRef(nargs > 1 ? args[1] : Py_None);
    Py_ssize_t off = self->moff + (o & ~3L);
    return PySequence_GetSlice(self->ix->mv, off + 4, off + nla_len(self, off));
}

static PyObject *IA_u32(IndexedAttrs *self, PyObject *const *args, Py_ssize_t nargs) {
    if (parse_lookup(args, nargs, 1, 2, "u32") < 0) return NULL;
    long o = entry(self, args[0]);
    if (o < 0) return NULL;
    if (!o) return Py_NewRef(nargs > 1 ? args[1] : Py_None);
    Py_ssize_t off = self->moff + (o & ~3L);
    if (o & 1)
        return raise_decode(off, PyUnicode_FromFormat("attribute %S has %d bytes, needs 4", args[0],
                                                      (int)nla_len(self, off) - 4));
    uint32_t v;
    memcpy(&v, (const uint8_t *)self->ix->view.buf + off + 4, 4);
    return PyLong_FromUnsignedLong(v);
}

/* _scalar(t, st, default): the value of struct st (nla_len, then the value) at the first
 * attribute of type t; Attrs' u8/u16/u64/s32/s64/be16/be32 call it. */
static PyObject *IA_scalar(IndexedAttrs *self, PyObject *const *args, Py_ssize_t nargs) {
    if (parse_lookup(args, nargs, 3, 3, "_scalar") < 0) return NULL;
    long o = entry(self, args[0]);
    if (o < 0) return NULL;
    if (!o) return Py_NewRef(args[2]);
    Py_ssize_t off = self->moff + (o & ~3L);
    PyObject *size_obj = PyObject_GetAttrString(args[1], "size");
    if (!size_obj) return NULL;
    Py_ssize_t size = PyLong_AsSsize_t(size_obj);
    Py_DECREF(size_obj);
    if (size == -1 && PyErr_Occurred()) return NULL;
    int alen = nla_len(self, off);  /* inside the message: index() checked every nla_len */
    if (alen < size)
        return raise_decode(off, PyUnicode_FromFormat("attribute %S has %d bytes, needs %zd", args[0], alen - 4,
                                                      size - 4));
    PyObject *r = PyObject_CallMethod(args[1], "unpack_from", "On", self->ix->data, off);
    if (!r) return NULL;
    PyObject *v = PySequence_GetItem(r, 1);
    Py_DECREF(r);
    return v;
}

/* ip(t, default=None): an IPv4 value as text, written here; any other length through Attrs.ip. */
static PyObject *IA_ip(IndexedAttrs *self, PyObject *const *args, Py_ssize_t nargs) {
    if (parse_lookup(args, nargs, 1, 2, "ip") < 0) return NULL;
    long o = entry(self, args[0]);
    if (o < 0) return NULL;
    if (!o) return Py_NewRef(nargs > 1 ? args[1] : Py_None);
    Py_ssize_t off = self->moff + (o & ~3L);
    if (nla_len(self, off) != 8) {
        PyObject *call[3] = {(PyObject *)self, args[0], nargs > 1 ? args[1] : Py_None};
        return PyObject_Vectorcall(attrs_ip, call, 3, NULL);
    }
    const uint8_t *v = (const uint8_t *)self->ix->view.buf + off + 4;
    char text[16], *p = text;
    for (int b = 0; b < 4; b++) {  /* inet_ntop's dotted quad */
        unsigned x = v[b];
        if (x >= 100) { *p++ = (char)('0' + x / 100); x %= 100; *p++ = (char)('0' + x / 10); x %= 10; }
        else if (x >= 10) { *p++ = (char)('0' + x / 10); x %= 10; }
        *p++ = (char)('0' + x);
        if (b < 3) *p++ = '.';
    }
    return PyUnicode_FromStringAndSize(text, p - text);
}

static PyObject *IA_offset(IndexedAttrs *self, PyObject *t) {
    long o = entry(self, t);
    if (o < 0) return NULL;
    if (!o) Py_RETURN_NONE;
    return PyLong_FromSsize_t(self->moff + (o & ~3L));
}

/* Attrs' dict form of the row (type -> offset of its first attribute), for its less used paths. */
static PyObject *IA_index(IndexedAttrs *self, PyObject *unused) {
    PyObject *d = PyDict_New();
    if (!d) return NULL;
    for (Py_ssize_t t = 0; t < self->ix->width; t++) {
        uint16_t o = self->ix->tab[self->row + t];
        if (!o) continue;
        PyObject *k = PyLong_FromSsize_t(t), *v = PyLong_FromSsize_t(self->moff + (o & ~3));
        if (!k || !v || PyDict_SetItem(d, k, v) < 0) { Py_XDECREF(k); Py_XDECREF(v); Py_DECREF(d); return NULL; }
        Py_DECREF(k); Py_DECREF(v);
    }
    Py_XSETREF(self->base.first, Py_NewRef(d));
    return d;
}

static int IA_contains(IndexedAttrs *self, PyObject *t) {
    long o = entry(self, t);
    return o < 0 ? -1 : o != 0;
}

static PyObject *IA_buf(IndexedAttrs *self, void *c) { return Py_NewRef(self->ix->data); }
static PyObject *IA_mv(IndexedAttrs *self, void *c) { return Py_NewRef(self->ix->mv); }
static Py_ssize_t IA_end_of(IndexedAttrs *self) {
    return self->moff + (Py_ssize_t)self->ix->msg[4 * ((self->row - 1) / self->ix->stride) + 1];
}
static PyObject *IA_end(IndexedAttrs *self, void *c) { return PyLong_FromSsize_t(IA_end_of(self)); }
static PyObject *IA_start(IndexedAttrs *self, void *c) {  /* the end, for a message with no attributes */
    Py_ssize_t start = self->moff + self->ix->skip, end = IA_end_of(self);
    return PyLong_FromSsize_t(start < end ? start : end);
}

static PyMethodDef IndexedAttrs_methods[] = {
    {"get", (PyCFunction)(void (*)(void))IA_get, METH_FASTCALL,
     "get(t, default=None): value bytes of the first attribute of type t (a memoryview), or default"},
    {"u32", (PyCFunction)(void (*)(void))IA_u32, METH_FASTCALL,
     "u32(t, default=None): the first attribute of type t as a host-order u32, or default; DecodeError if too short"},
    {"ip", (PyCFunction)(void (*)(void))IA_ip, METH_FASTCALL,
     "ip(t, default=None): the first attribute of type t as an address in text (see Attrs.ip), or default"},
    {"_scalar", (PyCFunction)(void (*)(void))IA_scalar, METH_FASTCALL, "see Attrs._scalar"},
    {"offset", (PyCFunction)IA_offset, METH_O,
     "offset(t): offset in the buffer of the nlattr header of the first attribute of type t, or None"},
    {"_index", (PyCFunction)IA_index, METH_NOARGS, "the dict form of the row (see Attrs._index)"},
    {NULL}
};

static PyGetSetDef IndexedAttrs_getset[] = {  /* derived from the index: nothing stored per object */
    {"buf", (getter)IA_buf, NULL, "the datagram", NULL},
    {"start", (getter)IA_start, NULL, "where the attributes start (the end, for a message with none)", NULL},
    {"end", (getter)IA_end, NULL, "where the message, and so its attributes, ends", NULL},
    {"_mv", (getter)IA_mv, NULL, "the datagram's memoryview", NULL},
    {NULL}
};

static PySequenceMethods IndexedAttrs_as_sequence = {.sq_contains = (objobjproc)IA_contains};

static PyTypeObject IndexedAttrs_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "netlink_probe.codec._fastmsg.IndexedAttrsBase",
    .tp_basicsize = sizeof(IndexedAttrs),
    .tp_dealloc = (destructor)IndexedAttrs_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The attributes of a message of a DatagramIndex (made by IndexedMessageBase.attrs, never by hand).",
    .tp_methods = IndexedAttrs_methods,
    .tp_getset = IndexedAttrs_getset,
    .tp_as_sequence = &IndexedAttrs_as_sequence,
    .tp_base = &AttrsBase_Type,
};

/* -- the module ------------------------------------------------------------------------------ */

static int subtype_of(PyObject *t, PyTypeObject *base, const char *name) {
    if (!PyType_Check(t) || !PyType_IsSubtype((PyTypeObject *)t, base)) {
        PyErr_Format(PyExc_TypeError, "configure(): %s must subclass %s", name, base->tp_name);
        return -1;
    }
    return 0;
}

static PyObject *fm_configure(PyObject *mod, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "configure(IndexedMessage, IndexedAttrs, message_attrs, message_header, "
                                         "attrs_ip, DecodeError)");
        return NULL;
    }
    if (subtype_of(args[0], &IndexedMessage_Type, "IndexedMessage") < 0
            || subtype_of(args[1], &IndexedAttrs_Type, "IndexedAttrs") < 0)
        return NULL;
    Py_XSETREF(indexed_message_type, (PyTypeObject *)Py_NewRef(args[0]));
    Py_XSETREF(indexed_attrs_type, (PyTypeObject *)Py_NewRef(args[1]));
    Py_XSETREF(message_attrs, Py_NewRef(args[2]));
    Py_XSETREF(message_header, Py_NewRef(args[3]));
    Py_XSETREF(attrs_ip, Py_NewRef(args[4]));
    Py_XSETREF(decode_error, Py_NewRef(args[5]));
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"index", (PyCFunction)(void (*)(void))fm_index, METH_FASTCALL,
     "index(data, seq, pid, fixed_len, max_types) -> DatagramIndex, or None when the datagram needs the general path"},
    {"configure", (PyCFunction)(void (*)(void))fm_configure, METH_FASTCALL,
     "configure(IndexedMessage, IndexedAttrs, message_attrs, message_header, attrs_ip, DecodeError): "
     "the Python classes and fallbacks (codec.msgindex)"},
    {NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "netlink_probe.codec._fastmsg",
    "The lazy per-message view of dump datagrams in C (see codec.msgindex).", -1, module_methods,
};

PyMODINIT_FUNC PyInit__fastmsg(void) {
    PyTypeObject *types[] = {&MessageBase_Type, &AttrsBase_Type, &DatagramIndex_Type, &IndexedMessage_Type,
                             &MessageIter_Type, &IndexedAttrs_Type};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (PyType_Ready(types[i]) < 0) return NULL;
    PyObject *array_mod = PyImport_ImportModule("array");
    if (!array_mod) return NULL;
    Py_XSETREF(array_type, PyObject_GetAttrString(array_mod, "array"));
    Py_DECREF(array_mod);
    if (!array_type) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    if (PyModule_AddType(m, &MessageBase_Type) < 0 || PyModule_AddType(m, &AttrsBase_Type) < 0
            || PyModule_AddType(m, &DatagramIndex_Type) < 0 || PyModule_AddType(m, &IndexedMessage_Type) < 0
            || PyModule_AddType(m, &IndexedAttrs_Type) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
