"""Topic rules: boolean keyword expressions as analysts write them.

    (嘉峪关|酒泉) & (景区|博物馆|文旅局) & (投诉|乱收费|宰客) & !招聘
    青峰山 ~20 (停车费|门票)          # within 20 characters of each other

Operators, loosest first: `|` (or), `&` (and), `!` (not), `~N` (near). Parentheses
group. A word is any run of characters other than spaces and `|&!~()"`; quote it
("A&B 公司") to use those. Words match case-insensitively as substrings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SPECIAL = set('|&!~()"')

Hits = Mapping[str, Sequence[int]]  # word -> start offsets where it occurs


class RuleSyntaxError(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"第 {position + 1} 个字符处：{message}")
        self.position = position
        self.detail = message


@dataclass(frozen=True)
class Word:
    word: str

    def eval(self, hits: Hits) -> bool:
        return self.word in hits


@dataclass(frozen=True)
class Not:
    inner: Node

    def eval(self, hits: Hits) -> bool:
        return not self.inner.eval(hits)


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]

    def eval(self, hits: Hits) -> bool:
        return all(p.eval(hits) for p in self.parts)


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]

    def eval(self, hits: Hits) -> bool:
        return any(p.eval(hits) for p in self.parts)


@dataclass(frozen=True)
class Near:
    """Some word of `left` and some word of `right` at most `distance` characters apart."""

    left: tuple[str, ...]
    right: tuple[str, ...]
    distance: int

    def eval(self, hits: Hits) -> bool:
        for a in self.left:
            for b in self.right:
                for pa in hits.get(a, ()):
                    for pb in hits.get(b, ()):
                        gap = pb - (pa + len(a)) if pa <= pb else pa - (pb + len(b))
                        if gap <= self.distance:
                            return True
        return False


Node = Word | Not | And | Or | Near


def words_of(node: Node, positive: bool = True) -> set[str]:
    """Every word of the rule; with positive=False, only the ones under a NOT."""
    if isinstance(node, Word):
        return {node.word} if positive else set()
    if isinstance(node, Near):
        return set(node.left + node.right) if positive else set()
    if isinstance(node, Not):
        return words_of(node.inner, not positive)
    out: set[str] = set()
    for p in node.parts:
        out |= words_of(p, positive)
    return out


def all_words(node: Node) -> set[str]:
    return words_of(node, True) | words_of(node, False)


def _tokens(src: str) -> list[tuple[str, str, int]]:
    """(kind, value, position); kinds: word, num, op, end."""
    out: list[tuple[str, str, int]] = []
    i = 0
    while i < len(src):
        c = src[i]
        if c.isspace():
            i += 1
        elif c == '"':
            end = src.find('"', i + 1)
            if end < 0:
                raise RuleSyntaxError("引号没有闭合", i)
            if end == i + 1:
                raise RuleSyntaxError("引号里没有词", i)
            out.append(("word", src[i + 1 : end].lower(), i))
            i = end + 1
        elif c == "~":
            j = i + 1
            while j < len(src) and src[j].isdigit():
                j += 1
            if j == i + 1:
                raise RuleSyntaxError("~ 后应紧跟字数，例如 ~20", i)
            out.append(("near", src[i + 1 : j], i))
            i = j
        elif c in SPECIAL:
            out.append(("op", c, i))
            i += 1
        else:
            j = i
            while j < len(src) and not src[j].isspace() and src[j] not in SPECIAL:
                j += 1
            out.append(("word", src[i:j].lower(), i))
            i = j
    out.append(("end", "", len(src)))
    return out


class _Parser:
    def __init__(self, src: str) -> None:
        self.toks = _tokens(src)
        self.i = 0

    def peek(self) -> tuple[str, str, int]:
        return self.toks[self.i]

    def take(self) -> tuple[str, str, int]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        kind, _, pos = self.peek()
        if kind == "end":
            raise RuleSyntaxError("规则为空", pos)
        node = self.or_()
        kind, value, pos = self.peek()
        if kind != "end":
            what = "多余的右括号" if value == ")" else f"缺少运算符（& 或 |）：{value!r}"
            raise RuleSyntaxError(what, pos)
        return node

    def or_(self) -> Node:
        parts = [self.and_()]
        while self.peek()[:2] == ("op", "|"):
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_(self) -> Node:
        parts = [self.unary()]
        while self.peek()[:2] == ("op", "&"):
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node:
        if self.peek()[:2] == ("op", "!"):
            self.take()
            return Not(self.unary())
        left = self.atom()
        kind, value, pos = self.peek()
        if kind != "near":
            return left
        self.take()
        right = self.atom()
        return Near(self._word_set(left, pos), self._word_set(right, pos), int(value))

    @staticmethod
    def _word_set(node: Node, pos: int) -> tuple[str, ...]:
        if isinstance(node, Word):
            return (node.word,)
        if isinstance(node, Or) and all(isinstance(p, Word) for p in node.parts):
            return tuple(p.word for p in node.parts)  # type: ignore[union-attr]
        raise RuleSyntaxError("~N 两边只能是词或 (词|词…)", pos)

    def atom(self) -> Node:
        kind, value, pos = self.take()
        if kind == "word":
            return Word(value)
        if (kind, value) == ("op", "("):
            node = self.or_()
            kind, value, _ = self.take()
            if (kind, value) != ("op", ")"):
                raise RuleSyntaxError("括号没有闭合", pos)
            return node
        if kind == "end":
            raise RuleSyntaxError("规则不完整，末尾缺少词", pos)
        shown = f"~{value}" if kind == "near" else value
        raise RuleSyntaxError(f"此处应为词或左括号，实际为 {shown!r}", pos)


def parse(src: str) -> Node:
    """The rule as a tree; raises RuleSyntaxError naming the position (1-based)."""
    node = _Parser(src).parse()
    if node.eval({}):
        raise RuleSyntaxError("规则在不含任何关键词的文本上也成立（只有排除词？）", 0)
    return node


def from_lists(keywords: Sequence[str], context: Sequence[str], exclude: Sequence[str]) -> Node:
    """The older list form: any keyword, and any context word, and no exclude word."""
    parts: list[Node] = [Or(tuple(Word(w.lower()) for w in keywords))]
    if context:
        parts.append(Or(tuple(Word(w.lower()) for w in context)))
    if exclude:
        parts.append(Not(Or(tuple(Word(w.lower()) for w in exclude))))
    return parts[0] if len(parts) == 1 else And(tuple(parts))


def unparse(node: Node) -> str:
    """The tree written back as a rule (fully parenthesised); parse(unparse(n)) == n."""
    if isinstance(node, Word):
        w = node.word
        return f'"{w}"' if any(c in SPECIAL or c.isspace() for c in w) else w
    if isinstance(node, Not):
        return f"!{unparse(node.inner)}"
    if isinstance(node, Near):
        left = " | ".join(unparse(Word(w)) for w in node.left)
        right = " | ".join(unparse(Word(w)) for w in node.right)
        return f"({left}) ~{node.distance} ({right})"
    sep = " & " if isinstance(node, And) else " | "
    return "(" + sep.join(unparse(p) for p in node.parts) + ")"
