#!/usr/bin/env python3
"""gentypes.py: generate libxl's types from their one description.

    python3 libxl/gentypes.py libxl/libxl_types.idl OUTDIR

reads the description (its syntax is in the header of libxl_types.idl) and
writes, into OUTDIR:

  _libxl_types.h           the enums and structs, and the prototypes of the
                           functions below (included by libxl_types.h)
  _libxl_types.c           enum <-> string tables, _init, _init_<key> (for a
                           struct with a union), _dispose
  _libxl_types_json.c      the JSON writer: <type>_gen_json, <type>_to_json
  _libxl_types_json_parse.c the JSON reader: <type>_from_json
  _libxl_types_fill.c      a test helper: fills every field of every type
                           with a distinct non-default value, and a table of
                           the types for the round-trip unit test

The generated C calls the hand-written helpers of libxl_types_internal.h
(one per kind of field). Standard library only; the build runs it with the
python3 on PATH. Files are written whole (through a temporary name), so an
interrupted run leaves no half file behind.
"""

import os
import re
import sys

# ---- the description ---------------------------------------------------------

# Integer types: C type -> (signed, JSON reader's range).
INTS = {
    "int": (True, "INT_MIN", "INT_MAX"),
    "uint32_t": (False, "0", "UINT32_MAX"),
    "uint64_t": (False, "0", "UINT64_MAX"),
    "libxl_domid": (False, "0", "UINT32_MAX"),
    "libxl_devid": (True, "INT_MIN", "INT_MAX"),
}

# The other builtin types: name -> (C type, how it is disposed or None).
# Each has a writer libxl__jw_<kind>, a reader libxl__jr_<kind> and a filler
# libxl__fill_<kind> in libxl_types_internal.h / libxl_types_fill.h.
BUILTINS = {
    "bool": ("bool", None),
    "string": ("char *", "free({v})"),
    "libxl_defbool": ("libxl_defbool", None),
    "libxl_uuid": ("libxl_uuid", None),
    "libxl_mac": ("libxl_mac", None),
    "libxl_bitmap": ("libxl_bitmap", "libxl_bitmap_dispose(&{v})"),
    "libxl_string_list": ("libxl_string_list", "libxl_string_list_dispose(&{v})"),
}
# How each builtin's field is written, read and filled; {v} is the lvalue.
BUILTIN_KIND = {
    "bool": "bool",
    "string": "str",
    "libxl_defbool": "defbool",
    "libxl_uuid": "uuid",
    "libxl_mac": "mac",
    "libxl_bitmap": "bitmap",
    "libxl_string_list": "string_list",
}
# Array elements the JSON reader knows: element type -> (message, max length).
ARRAY_ELEMENTS = {"libxl_bitmap": ("an array of CPU arrays", "4096")}
STRUCT_ARRAY = ("an array", "INT_MAX")


class IdlError(Exception):
    pass


class Enum:
    def __init__(self, name, comment):
        self.name = name
        self.comment = comment
        self.values = []  # (json name, C constant, number)

    @property
    def prefix(self):
        return self.name.upper()


class Field:
    def __init__(self, ctype, name, array, default, rng, comments):
        self.type = ctype
        self.name = name
        self.array = array
        self.default = default
        self.range = rng
        self.above, self.trailing = comments  # comment lines above, comment on the line
        self.kind = None  # int, builtin, enum, struct, union, unmodelled
        self.ref = None  # the Enum or Struct for enum and struct fields
        self.members = []  # union: [(member name, [Field])]
        self.key = None  # union: the key Field
        self.is_key = False  # the key of a union (written with the union)


class Struct:
    def __init__(self, name, root, comment):
        self.name = name
        self.root = root
        self.comment = comment
        self.fields = []

    @property
    def short(self):
        return self.name[len("libxl_"):]

    def union(self):
        return next((f for f in self.fields if f.kind == "union"), None)


def strip_comment(line):
    code, _, comment = line.partition("#")
    return code.rstrip(), comment.strip()


FIELD_RE = re.compile(
    r"^(?P<type>\w+)(?P<array>\[\])?\s+(?P<name>\w+)"
    r"(?:\s*=\s*(?P<default>[-\w]+))?(?:\s+range=(?P<lo>[-\w]+)\.\.(?P<hi>[-\w]+))?$"
)


class Parser:
    def __init__(self, path):
        self.path = path
        self.types = {}  # name -> Enum or Struct
        self.order = []
        self.pending = []  # comment lines above the next item

    def fail(self, lineno, msg):
        raise IdlError("%s:%d: %s" % (self.path, lineno, msg))

    def parse(self):
        with open(self.path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        # A stack of (indent, handler) for the open blocks.
        self.stack = []
        for lineno, raw in enumerate(lines, 1):
            self.line(lineno, raw)
        for t in self.order:
            if isinstance(t, Struct):
                self.check_union(t)
        return self.order

    def line(self, lineno, raw):
        if not raw.strip():
            self.pending = []
            return
        indent = len(raw) - len(raw.lstrip("\t "))
        code, comment = strip_comment(raw.strip())
        if not code:
            self.pending.append(comment)
            return
        while self.stack and self.stack[-1][0] >= indent:
            self.stack.pop()
        comments = (self.pending, comment)
        self.pending = []
        if not self.stack:
            self.toplevel(lineno, code, comments[0] + ([comment] if comment else []))
        else:
            self.stack[-1][1](lineno, indent, code, comments)

    def toplevel(self, lineno, code, comments):
        words = code.split()
        if len(words) >= 2 and words[0] in ("enum", "struct") and words[1] in self.types:
            self.fail(lineno, "%s is defined twice" % words[1])
        if len(words) == 2 and words[0] == "enum":
            e = Enum(words[1], comments)
            self.add(e)
            self.stack.append((0, lambda n, i, c, cm: self.enum_value(e, n, c)))
        elif len(words) in (2, 3) and words[0] == "struct":
            root = words[1][len("libxl_"):]
            if len(words) == 3:
                if not words[2].startswith("json_root="):
                    self.fail(lineno, "expected json_root=WORD, not %s" % words[2])
                root = words[2][len("json_root="):]
            s = Struct(words[1], root, comments)
            self.add(s)
            self.stack.append((0, lambda n, i, c, cm: self.field(s.fields, s, n, i, c, cm)))
        else:
            self.fail(lineno, "expected 'enum NAME' or 'struct NAME [json_root=WORD]'")

    def add(self, t):
        if not t.name.startswith("libxl_"):
            raise IdlError("%s: type names start with libxl_ (%s)" % (self.path, t.name))
        self.types[t.name] = t
        self.order.append(t)

    def enum_value(self, e, lineno, code):
        m = re.match(r"^(\w+)\s*=\s*(-?\d+)$", code)
        if not m:
            self.fail(lineno, "expected 'value = number' in enum %s" % e.name)
        e.values.append((m.group(1), "%s_%s" % (e.prefix, m.group(1).upper()), int(m.group(2))))

    def field(self, fields, struct, lineno, indent, code, comments):
        words = code.split()
        if words[0] == "union":
            if len(words) != 4 or words[2] != "on":
                self.fail(lineno, "expected 'union FIELD on KEY'")
            f = Field(None, words[1], False, None, None, comments)
            f.kind = "union"
            f.key = next((k for k in fields if k.name == words[3]), None)
            if not f.key or f.key.kind != "enum":
                self.fail(lineno, "the key of union %s must be an enum field above it" % words[1])
            f.key.is_key = True
            fields.append(f)
            self.stack.append((indent, lambda n, i, c, cm: self.member(f, struct, n, i, c)))
            return
        if words[0] == "unmodelled":
            if len(words) != 2:
                self.fail(lineno, "expected 'unmodelled FIELD'")
            f = Field(None, words[1], False, None, None, comments)
            f.kind = "unmodelled"
            fields.append(f)
            return
        m = FIELD_RE.match(code)
        if not m:
            self.fail(lineno, "expected 'TYPE FIELD [= DEFAULT] [range=MIN..MAX]'")
        rng = (m.group("lo"), m.group("hi")) if m.group("lo") else None
        f = Field(m.group("type"), m.group("name"), bool(m.group("array")), m.group("default"), rng, comments)
        self.resolve(f, lineno)
        if any(g.name == f.name for g in fields):
            self.fail(lineno, "field %s is declared twice" % f.name)
        fields.append(f)

    def resolve(self, f, lineno):
        if f.type in INTS:
            f.kind = "int"
        elif f.type in BUILTINS:
            f.kind = "builtin"
        elif isinstance(self.types.get(f.type), Enum):
            f.kind, f.ref = "enum", self.types[f.type]
        elif isinstance(self.types.get(f.type), Struct):
            f.kind, f.ref = "struct", self.types[f.type]
        else:
            self.fail(lineno, "unknown type %s (define it above its use)" % f.type)
        if f.range and f.kind != "int":
            self.fail(lineno, "range= is for integer fields")
        if f.default and f.kind not in ("int", "enum"):
            self.fail(lineno, "only integer and enum fields have a default")
        if f.array and not (f.kind == "struct" or f.type in ARRAY_ELEMENTS):
            self.fail(lineno, "arrays are of structs or of %s" % ", ".join(ARRAY_ELEMENTS))

    def member(self, union, struct, lineno, indent, code):
        if not re.match(r"^\w+$", code):
            self.fail(lineno, "expected a member name of union %s" % union.name)
        fields = []
        union.members.append((code, fields))
        self.stack.append((indent, lambda n, i, c, cm: self.field(fields, struct, n, i, c, cm)))

    def check_union(self, s):
        unions = [f for f in s.fields if f.kind == "union"]
        if len(unions) > 1:
            raise IdlError("%s: struct %s has more than one union" % (self.path, s.name))
        for u in unions:
            names = [v[0] for v in u.key.ref.values]
            for name, fields in u.members:
                if name not in names:
                    raise IdlError("%s: %s is not a value of %s" % (self.path, name, u.key.type))
                for f in fields:
                    if f.array or f.kind in ("union", "struct"):
                        raise IdlError("%s: union member fields are plain (%s)" % (self.path, f.name))


# ---- helpers for emitting C ---------------------------------------------------------


def enum_value_of(field):
    """The number a field's default stands for (enum fields only)."""
    if field.default is None:
        return 0
    for _, const, num in field.ref.values:
        if field.default == const:
            return num
    if re.match(r"^-?\d+$", field.default):
        return int(field.default)
    raise IdlError("%s: default %s is not a value of %s" % (field.name, field.default, field.type))


def c_comment(lines, indent=""):
    if not lines:
        return []
    if len(lines) == 1:
        return ["%s/* %s */" % (indent, lines[0])]
    out = ["%s/*" % indent]
    out += ["%s * %s" % (indent, line) if line else "%s *" % indent for line in lines]
    return out + ["%s */" % indent]


def decl(f):
    """The C declaration(s) of a field (without the union's)."""
    ctype = BUILTINS[f.type][0] if f.kind == "builtin" else f.type
    star = "" if ctype.endswith("*") else " "
    if f.array:
        return ["int num_%s;" % f.name, "%s *%s;" % (ctype, f.name)]
    return ["%s%s%s;" % (ctype, star, f.name)]


def plain(fields):
    """The fields that are data in C (not placeholders)."""
    return [f for f in fields if f.kind != "unmodelled"]


class Out:
    def __init__(self):
        self.lines = []

    def __call__(self, *lines):
        self.lines.extend(lines)

    def text(self):
        return "\n".join(self.lines) + "\n"


HEADER = "/* Generated by libxl/gentypes.py from libxl/libxl_types.idl: do not edit. */"


# ---- _libxl_types.h -----------------------------------------------------------------


def gen_header(types):
    o = Out()
    o(HEADER, "#ifndef XENON__LIBXL_TYPES_H", "#define XENON__LIBXL_TYPES_H", "")
    for t in types:
        if isinstance(t, Enum):
            o(*c_comment(t.comment))
            o("typedef enum %s {" % t.name)
            for _, const, num in t.values:
                o("\t%s = %d," % (const, num))
            o("} %s;" % t.name, "")
            o("const char *%s_to_string(%s v);" % (t.name, t.name))
            o("int %s_from_string(const char *s, %s *v);" % (t.name, t.name), "")
        else:
            header_struct(o, t)
    o("#endif")
    return o.text()


def header_struct(o, s):
    o(*c_comment(s.comment))
    o("typedef struct %s {" % s.name)
    for f in s.fields:
        if f.kind == "unmodelled":
            continue
        o(*c_comment(f.above, "\t"))
        if f.kind == "union":
            o("\tunion {")
            for name, fields in f.members:
                o("\t\tstruct {")
                for g in plain(fields):
                    for d in decl(g):
                        o("\t\t\t" + d)
                o("\t\t} %s;" % name)
            o("\t} %s;" % f.name)
        else:
            ds = decl(f)
            for d in ds[:-1]:
                o("\t" + d)
            o("\t" + ds[-1] + (" /* %s */" % f.trailing if f.trailing else ""))
    o("} %s;" % s.name, "")
    o("void %s_init(%s *p);" % (s.name, s.name))
    u = s.union()
    if u:
        o("/* Set the key of %s and give %s its defaults (once, after _init). */" % (u.name, u.name))
        o("void %s_init_%s(%s *p, %s %s);" % (s.name, u.key.name, s.name, u.key.type, u.key.name))
    o("void %s_dispose(%s *p);" % (s.name, s.name))
    o("int %s_gen_json(yajl_gen hand, const %s *p);" % (s.name, s.name))
    o("int %s_to_json(const %s *p, char **json);" % (s.name, s.name))
    o("int %s_from_json(%s *p, const char *json, char *err, size_t errlen);" % (s.name, s.name), "")


# ---- _libxl_types.c: enum tables, init, dispose ----------------------------------------


def gen_types_c(types):
    o = Out()
    o(HEADER, '#include "libxl/libxl_types.h"', '#include "libxl/libxl_types_internal.h"', "")
    o("#include <stdlib.h>", "#include <string.h>", "")
    for t in types:
        if isinstance(t, Enum):
            types_c_enum(o, t)
        else:
            types_c_struct(o, t)
    return o.text()


def types_c_enum(o, e):
    o("static const struct libxl__enum_name %s_names[] = {" % e.name)
    for name, const, _ in e.values:
        o('\t{"%s", %s},' % (name, const))
    o("\t{NULL, 0},", "};", "")
    o("const char *%s_to_string(%s v)" % (e.name, e.name), "{")
    o("\treturn libxl__enum_to_string(%s_names, (int)v);" % e.name, "}", "")
    o("int %s_from_string(const char *s, %s *v)" % (e.name, e.name), "{")
    o("\tint i, rc = libxl__enum_from_string(%s_names, s, &i);" % e.name, "")
    o("\tif (rc == 0)", "\t\t*v = (%s)i;" % e.name, "\treturn rc;", "}", "")


def init_lines(fields, acc):
    out = []
    for f in plain(fields):
        if f.kind == "struct" and not f.array:
            out.append("%s_init(&%s%s);" % (f.type, acc, f.name))
        elif f.default is not None and f.default != "0":
            out.append("%s%s = %s;" % (acc, f.name, f.default))
    return out


def dispose_lines(fields, acc):
    out = []
    for f in plain(fields):
        v = acc + f.name
        if f.array:
            elt = "%s_dispose" % f.type if f.kind == "struct" else BUILTINS[f.type][1].split("(")[0]
            out.append("for (i = 0; %s && i < %snum_%s; i++)" % (v, acc, f.name))
            out.append("\t%s(&%s[i]);" % (elt, v))
            out.append("free(%s);" % v)
        elif f.kind == "struct":
            out.append("%s_dispose(&%s);" % (f.type, v))
        elif f.kind == "builtin" and BUILTINS[f.type][1]:
            out.append(BUILTINS[f.type][1].format(v=v) + ";")
    return out


def case_label(u, name):
    return next(c for n, c, _ in u.key.ref.values if n == name)


def types_c_struct(o, s):
    u = s.union()
    o("void %s_init(%s *p)" % (s.name, s.name), "{", "\tmemset(p, 0, sizeof(*p));")
    for line in init_lines(s.fields, "p->"):
        o("\t" + line)
    o("}", "")
    if u:
        o("void %s_init_%s(%s *p, %s %s)" % (s.name, u.key.name, s.name, u.key.type, u.key.name), "{")
        o("\tp->%s = %s;" % (u.key.name, u.key.name), "\tmemset(&p->%s, 0, sizeof(p->%s));" % (u.name, u.name))
        o("\tswitch (%s) {" % u.key.name)
        for name, fields in u.members:
            lines = init_lines(fields, "p->%s.%s." % (u.name, name))
            if lines:
                o("\tcase %s:" % case_label(u, name), *["\t\t" + x for x in lines], "\t\tbreak;")
        o("\tdefault:", "\t\tbreak;", "\t}", "}", "")
    lines = dispose_lines(s.fields, "p->")
    members = [(n, dispose_lines(fs, "p->%s.%s." % (u.name, n))) for n, fs in u.members] if u else []
    o("void %s_dispose(%s *p)" % (s.name, s.name), "{")
    if any(f.array for f in s.fields):
        o("\tint i;", "")
    for line in lines:
        o("\t" + line)
    if any(ls for _, ls in members):
        o("\tswitch (p->%s) {" % u.key.name)
        for name, ls in members:
            if ls:
                o("\tcase %s:" % case_label(u, name), *["\t\t" + x for x in ls], "\t\tbreak;")
        o("\tdefault:", "\t\tbreak;", "\t}")
    o("\tmemset(p, 0, sizeof(*p));", "}", "")


# ---- _libxl_types_json.c: the writer ---------------------------------------------------


def write_lines(f, acc):
    """C statements writing field f of the object at acc ("p->")."""
    v, key = acc + f.name, '"%s"' % f.name
    if f.is_key:
        return []  # written with its union
    if f.kind == "unmodelled":
        return ["libxl__jw_empty_map(w, %s);" % key]
    if f.array:
        elt = "libxl__%s_gen(w, &%s[i]);" % (f.ref.short, v) if f.kind == "struct" else "libxl__jw_bitmap_val(w, &%s[i]);" % v
        return [
            "if (%s && %snum_%s > 0) {" % (v, acc, f.name),
            "\tlibxl__jw_key(w, %s);" % key,
            "\tlibxl__jw_array_open(w);",
            "\tfor (i = 0; i < %snum_%s; i++)" % (acc, f.name),
            "\t\t" + elt,
            "\tlibxl__jw_array_close(w);",
            "}",
        ]
    if f.kind == "struct":
        return ["libxl__jw_key(w, %s);" % key, "libxl__%s_gen(w, &%s);" % (f.ref.short, v)]
    if f.kind == "enum":
        return ["libxl__jw_enum(w, %s, %s_to_string(%s), (int)%s, %s);" % (key, f.type, v, v, f.default or "0")]
    if f.kind == "int":
        signed = INTS[f.type][0]
        return ["libxl__jw_%s(w, %s, %s, %s);" % ("int" if signed else "uint", key, v, f.default or "0")]
    kind = BUILTIN_KIND[f.type]
    arg = v if kind in ("str", "bool", "defbool", "mac") else "&" + v
    return ["libxl__jw_%s(w, %s, %s);" % (kind, key, arg)]


def gen_json_c(types):
    o = Out()
    o(HEADER, '#include "libxl/libxl_types.h"', '#include "libxl/libxl_types_internal.h"', "")
    for s in types:
        if isinstance(s, Struct):
            json_c_struct(o, s)
    return o.text()


def json_c_struct(o, s):
    u = s.union()
    o("static void libxl__%s_gen(struct libxl__jw *w, const %s *p)" % (s.short, s.name), "{")
    if any(f.array for f in s.fields):
        o("\tint i;", "")
    o("\tlibxl__jw_map_open(w);")
    for f in s.fields:
        if f.kind == "union":
            o('\tlibxl__jw_union_open(w, "%s", %s_to_string(p->%s));' % (f.key.name, f.key.type, f.key.name))
            o("\tswitch (p->%s) {" % f.key.name)
            for name, fields in f.members:
                o("\tcase %s:" % case_label(f, name))
                for g in fields:
                    for line in write_lines(g, "p->%s.%s." % (f.name, name)):
                        o("\t\t" + line)
                o("\t\tbreak;")
            o("\tdefault:", "\t\tbreak;", "\t}", "\tlibxl__jw_map_close(w);")
            continue
        for line in write_lines(f, "p->"):
            o("\t" + line)
    o("\tlibxl__jw_map_close(w);", "}", "")
    o("int %s_gen_json(yajl_gen hand, const %s *p)" % (s.name, s.name), "{")
    o("\tstruct libxl__jw w = {hand, yajl_gen_status_ok};", "")
    o("\tlibxl__%s_gen(&w, p);" % s.short, "\treturn libxl__jw_status(&w);", "}", "")
    o("int %s_to_json(const %s *p, char **json)" % (s.name, s.name), "{")
    o("\tyajl_gen hand = libxl__jw_alloc();", "")
    o("\treturn libxl__jw_finish(hand, hand ? %s_gen_json(hand, p) : -ENOMEM, json);" % s.name)
    o("}", "")


# ---- _libxl_types_json_parse.c: the reader ----------------------------------------------


def read_lines(f, acc, owner=None):
    """C statements reading field f from the object o into acc ("p->")."""
    v, key = acc + f.name, '"%s"' % f.name
    if f.is_key or f.kind == "unmodelled":
        return []
    if f.array:
        return ["libxl__%s_parse_%s(r, o, p);" % (owner.short, f.name)]
    if f.kind == "struct":
        return [
            "libxl__jr_enter(r, %s, false);" % key,
            "libxl__%s_parse(r, libxl__jr_get(o, %s), &%s);" % (f.ref.short, key, v),
            "libxl__jr_leave(r);",
        ]
    if f.kind == "enum":
        return [
            "if ((s = libxl__jr_cstr(r, o, %s)))" % key,
            "\tlibxl__jr_enum(r, %s, %s_from_string(s, &%s));" % (key, f.type, v),
        ]
    if f.kind == "int":
        if f.type == "uint64_t" and not f.range:
            return ["libxl__jr_u64(r, o, %s, &%s);" % (key, v)]
        lo, hi = f.range or INTS[f.type][1:]
        return ["LIBXL__JR_INT(r, o, %s, %s, %s, %s);" % (key, lo, hi, v)]
    kind = BUILTIN_KIND[f.type]
    return ["libxl__jr_%s(r, o, %s, %s);" % (kind, key, v if kind == "mac" else "&" + v)]


def uses_cstr(fields):
    return any(f.kind == "enum" and not f.is_key for f in fields)


def gen_parse_c(types):
    o = Out()
    o(HEADER, '#include "libxl/libxl_types.h"', '#include "libxl/libxl_types_internal.h"', "")
    o("#include <limits.h>", "#include <stdlib.h>", "")
    for s in types:
        if isinstance(s, Struct):
            parse_c_struct(o, s)
    return o.text()


def parse_c_array(o, s, f):
    what, limit = STRUCT_ARRAY if f.kind == "struct" else ARRAY_ELEMENTS[f.type]
    o("static void libxl__%s_parse_%s(struct libxl__jr *r, yajl_val o, %s *p)" % (s.short, f.name, s.name), "{")
    o('\tyajl_val a = libxl__jr_array(r, o, "%s", "%s", %s);' % (f.name, what, limit), "\tsize_t i, n;", "")
    o("\tif (!a)", "\t\treturn;", "\tn = a->u.array.len;")
    dispose = "%s_dispose" % f.type if f.kind == "struct" else BUILTINS[f.type][1].split("(")[0]
    o("\tfor (i = 0; p->%s && i < (size_t)p->num_%s; i++)" % (f.name, f.name))
    o("\t\t%s(&p->%s[i]);" % (dispose, f.name), "\tfree(p->%s);" % f.name)
    o("\tp->num_%s = 0;" % f.name)
    o("\tp->%s = calloc(n ? n : 1, sizeof(*p->%s));" % (f.name, f.name))
    o("\tif (!p->%s) {" % f.name, "\t\tlibxl__jr_nomem(r);", "\t\treturn;", "\t}")
    o("\tp->num_%s = (int)n;" % f.name)
    if f.kind == "struct":
        o("\tfor (i = 0; i < n; i++)", "\t\t%s_init(&p->%s[i]);" % (f.type, f.name))
        o('\tlibxl__jr_enter(r, "%s", true);' % f.name)
        o("\tfor (i = 0; i < n && !r->rc; i++)")
        o("\t\tlibxl__%s_parse(r, a->u.array.values[i], &p->%s[i]);" % (f.ref.short, f.name))
        o("\tlibxl__jr_leave(r);", "}", "")
    else:
        o("\tfor (i = 0; i < n && !r->rc; i++)")
        o('\t\tlibxl__jr_bitmap_val(r, a->u.array.values[i], "%s", &p->%s[i]);' % (f.name, f.name))
        o("}", "")


def parse_c_union(o, s, u):
    k = u.key
    o("static void libxl__%s_parse_%s(struct libxl__jr *r, yajl_val parent, %s *p)" % (s.short, u.name, s.name))
    o("{", "\tconst char *key;", '\tyajl_val o = libxl__jr_union(parent, "%s", &key);' % k.name)
    if any(uses_cstr(fs) for _, fs in u.members):
        o("\tconst char *s;")
    o("\t%s %s;" % (k.type, k.name), "")
    o("\tif (!o)", "\t\treturn;")
    o("\tif (%s_from_string(key + sizeof(\"%s\"), &%s) < 0) {" % (k.type, k.name, k.name))
    o('\t\tlibxl__jr_fail(r, key, "a known %s");' % k.type[len("libxl_"):].replace("_", " "))
    o("\t\treturn;", "\t}")
    o("\t%s_init_%s(p, %s);" % (s.name, k.name, k.name))
    o('\tlibxl__jr_enter(r, "%s", false);' % k.name, "\tswitch (%s) {" % k.name)
    for name, fields in u.members:
        o("\tcase %s:" % case_label(u, name))
        for g in fields:
            for line in read_lines(g, "p->%s.%s." % (u.name, name)):
                o("\t\t" + line)
        o("\t\tbreak;")
    o("\tdefault:", "\t\tbreak;", "\t}", "\tlibxl__jr_leave(r);", "}", "")


def parse_c_struct(o, s):
    for f in s.fields:
        if f.array:
            parse_c_array(o, s, f)
        elif f.kind == "union":
            parse_c_union(o, s, f)
    o("static void libxl__%s_parse(struct libxl__jr *r, yajl_val o, %s *p)" % (s.short, s.name), "{")
    if uses_cstr(s.fields):
        o("\tconst char *s;", "")
    for f in s.fields:
        if f.kind == "union":
            o("\tlibxl__%s_parse_%s(r, o, p);" % (s.short, f.name))
            continue
        for line in read_lines(f, "p->", s):
            o("\t" + line)
    o("}", "")
    o("int %s_from_json(%s *p, const char *json, char *err, size_t errlen)" % (s.name, s.name), "{")
    o("\tstruct libxl__jr r;")
    o('\tyajl_val root = libxl__jr_begin(&r, "%s", json, err, errlen);' % s.root, "")
    o("\tif (root)", "\t\tlibxl__%s_parse(&r, root, p);" % s.short, "\treturn libxl__jr_end(&r, root);", "}", "")


# ---- _libxl_types_fill.c: the test helper -------------------------------------------------


def fill_lines(f, acc):
    v = acc + f.name
    if f.is_key or f.kind == "unmodelled":
        return []
    if f.array:
        elt = "libxl__%s_fill(s, &%s[i]);" % (f.ref.short, v) if f.kind == "struct" else "libxl__fill_bitmap(s, &%s[i]);" % v
        init = ["\t%s_init(&%s[i]);" % (f.type, v)] if f.kind == "struct" else []
        return [
            "%s = libxl__fill_array(s, 2, sizeof(*%s));" % (v, v),
            "%snum_%s = %s ? 2 : 0;" % (acc, f.name, v),
            "for (i = 0; i < %snum_%s; i++) {" % (acc, f.name),
        ] + init + ["\t" + elt, "}"]
    if f.kind == "struct":
        return ["libxl__%s_fill(s, &%s);" % (f.ref.short, v)]
    if f.kind == "enum":
        dflt = enum_value_of(f)
        values = [c for _, c, n in f.ref.values if n != dflt]
        return [
            "{",
            "\tstatic const int v[] = {%s};" % ", ".join(values),
            "",
            "\t%s = (%s)v[libxl__fill_next(s) %% %d];" % (v, f.type, len(values)),
            "}",
        ]
    if f.kind == "int":
        if f.type == "uint64_t" and not f.range:
            return ["%s = libxl__fill_u64(s, %s);" % (v, f.default or "0")]
        lo, hi = f.range or INTS[f.type][1:]
        return ["%s = (%s)libxl__fill_int(s, %s, %s, %s);" % (v, f.type, lo, hi, f.default or "0")]
    kind = BUILTIN_KIND[f.type]
    return ["libxl__fill_%s(s, %s);" % (kind, v if kind == "mac" else "&" + v)]


def gen_fill_c(types):
    o = Out()
    o(HEADER, '#include "libxl/libxl_types_fill.h"', "")
    o("#include <limits.h>", "#include <stdint.h>", "")
    structs = [t for t in types if isinstance(t, Struct)]
    variants = 1
    for s in structs:
        fill_c_struct(o, s)
        if s.union():
            variants = max(variants, len(s.union().key.ref.values))
    o("const unsigned libxl__fill_variants = %d;" % variants, "")
    o("const struct libxl__type_test libxl__type_tests[] = {")
    for s in structs:
        o("\t{\"%s\", sizeof(%s), %s_keys, libxl__%s_init_any, libxl__%s_dispose_any, libxl__%s_fill_any," % (
            s.name, s.name, s.short, s.short, s.short, s.short))
        o("\t libxl__%s_to_json_any, libxl__%s_from_json_any}," % (s.short, s.short))
    o("\t{NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL},", "};", "")
    enums = [t for t in types if isinstance(t, Enum)]
    for e in enums:
        fill_c_enum(o, e)
    o("const struct libxl__enum_test libxl__enum_tests[] = {")
    for e in enums:
        o("	{\"%s\", %s_values, %d, %s_to_string_any, %s_from_string_any}," % (
            e.name, e.name, len(e.values), e.name, e.name))
    o("\t{NULL, NULL, 0, NULL, NULL},", "};")
    return o.text()


def fill_c_enum(o, e):
    o("static const int %s_values[] = {%s};" % (e.name, ", ".join(c for _, c, _ in e.values)), "")
    o("static const char *%s_to_string_any(int v)" % e.name, "{")
    o("\treturn %s_to_string((%s)v);" % (e.name, e.name), "}", "")
    o("static int %s_from_string_any(const char *s, int *v)" % e.name, "{", "\t%s e;" % e.name)
    o("\tint rc = %s_from_string(s, &e);" % e.name, "", "\tif (rc == 0)", "\t\t*v = (int)e;", "\treturn rc;", "}", "")


def fill_c_struct(o, s):
    u = s.union()
    o("static void libxl__%s_fill(struct libxl__fill *s, %s *p)" % (s.short, s.name), "{")
    if any(f.array for f in s.fields):
        o("\tint i;", "")
    for f in s.fields:
        if f.kind == "union":
            values = [c for _, c, _ in f.key.ref.values]
            o("\t{", "\t\tstatic const int v[] = {%s};" % ", ".join(values), "")
            o("\t\t%s_init_%s(p, (%s)v[s->variant %% %d]);" % (s.name, f.key.name, f.key.type, len(values)), "\t}")
            o("\tswitch (p->%s) {" % f.key.name)
            for name, fields in f.members:
                o("\tcase %s:" % case_label(f, name))
                for g in fields:
                    for line in fill_lines(g, "p->%s.%s." % (f.name, name)):
                        o("\t\t" + line)
                o("\t\tbreak;")
            o("\tdefault:", "\t\tbreak;", "\t}")
            continue
        for line in fill_lines(f, "p->"):
            o("\t" + line)
    o("}", "")
    # The JSON keys a filled value prints; a union member's only with it.
    o("static const struct libxl__type_key %s_keys[] = {" % s.short)
    for f in s.fields:
        if f.kind == "union":
            for name, fields in f.members:
                for g in fields:
                    o('\t{"%s", "\\"%s.%s\\""},' % (g.name, f.key.name, name))
        elif not f.is_key:
            o('\t{"%s", NULL},' % f.name)
    o("\t{NULL, NULL},", "};", "")
    t = s.name
    o("static void libxl__%s_init_any(void *p)" % s.short, "{", "\t%s_init(p);" % t, "}", "")
    o("static void libxl__%s_dispose_any(void *p)" % s.short, "{", "\t%s_dispose(p);" % t, "}", "")
    o("static void libxl__%s_fill_any(struct libxl__fill *s, void *p)" % s.short, "{")
    o("\tlibxl__%s_fill(s, p);" % s.short, "}", "")
    o("static int libxl__%s_to_json_any(const void *p, char **json)" % s.short, "{")
    o("\treturn %s_to_json(p, json);" % t, "}", "")
    o("static int libxl__%s_from_json_any(void *p, const char *json, char *err, size_t errlen)" % s.short, "{")
    o("\treturn %s_from_json(p, json, err, errlen);" % t, "}", "")


# ---- main -------------------------------------------------------------------------------------

OUTPUTS = {
    "_libxl_types.h": gen_header,
    "_libxl_types.c": gen_types_c,
    "_libxl_types_json.c": gen_json_c,
    "_libxl_types_json_parse.c": gen_parse_c,
    "_libxl_types_fill.c": gen_fill_c,
}


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: gentypes.py IDL OUTDIR\n")
        return 2
    try:
        types = Parser(argv[1]).parse()
        texts = {name: gen(types) for name, gen in OUTPUTS.items()}
    except (IdlError, OSError) as e:
        sys.stderr.write("gentypes.py: %s\n" % e)
        return 1
    for name, text in texts.items():
        write(os.path.join(argv[2], name), text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
