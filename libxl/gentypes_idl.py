"""gentypes_idl.py: the reader of libxl_types.idl (its syntax is in the
header of that file), for gentypes.py: Parser(path).parse() gives the
enums and structs in order, checked (types defined before use, union keys,
defaults and ranges on the kinds that have them); IdlError names the file
and line of a mistake.
"""

import re

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
        if f.array and not (f.kind in ("struct", "int", "enum") or f.type in ARRAY_ELEMENTS):
            self.fail(lineno, "arrays are of structs or of %s, integers or enums" % ", ".join(ARRAY_ELEMENTS))

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
                    if f.array or f.kind == "union":
                        raise IdlError("%s: union member fields are not arrays or unions (%s)" % (self.path, f.name))
