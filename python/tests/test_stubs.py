"""The native module's stubs (`_native.pyi`) match the compiled module exactly: same classes,
functions, methods and properties, and the same parameters (names, kinds, defaults)."""

from __future__ import annotations

import ast
import inspect
import pathlib
import types
from typing import Any

import everruns_sdk
from everruns_sdk import _native

STUB = pathlib.Path(everruns_sdk.__file__).with_name("_native.pyi")
_MISSING = object()


def _stub_tree() -> ast.Module:
    return ast.parse(STUB.read_text())


def _stub_params(fn: ast.FunctionDef, drop_first: bool) -> list[tuple[str, str, Any]]:
    a = fn.args
    out: list[tuple[str, str, Any]] = []
    positional = a.posonlyargs + a.args
    defaults: list[Any] = [_MISSING] * (len(positional) - len(a.defaults)) + [
        ast.literal_eval(d) for d in a.defaults
    ]
    for i, (arg, d) in enumerate(zip(positional, defaults, strict=True)):
        kind = "POSITIONAL_ONLY" if i < len(a.posonlyargs) else "POSITIONAL_OR_KEYWORD"
        out.append((arg.arg, kind, d))
    if a.vararg:
        out.append((a.vararg.arg, "VAR_POSITIONAL", _MISSING))
    for arg, d in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        out.append((arg.arg, "KEYWORD_ONLY", _MISSING if d is None else ast.literal_eval(d)))
    if a.kwarg:
        out.append((a.kwarg.arg, "VAR_KEYWORD", _MISSING))
    if drop_first:
        out = out[1:]
    return out


def _runtime_params(obj: Any, drop_first: bool) -> list[tuple[str, str, Any]]:
    sig = inspect.signature(obj)
    out = [
        (
            p.name,
            p.kind.name,
            _MISSING if p.default is inspect.Parameter.empty else p.default,
        )
        for p in sig.parameters.values()
    ]
    return out[1:] if drop_first else out


def _norm(params: list[tuple[str, str, Any]]) -> list[tuple[str, str, Any]]:
    # `self` may be positional-only at runtime ($self); compare it by name only.
    return [
        (n, "POSITIONAL_OR_KEYWORD" if n in ("self", "cls") else k, d) for n, k, d in params
    ]


def _public(names: Any) -> set[str]:
    return {n for n in names if not n.startswith("_")}


def test_module_level_names_match() -> None:
    tree = _stub_tree()
    stub_funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    stub_classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    stub_vars = {
        n.target.id
        for n in tree.body
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    }
    runtime = {n: getattr(_native, n) for n in dir(_native) if not n.startswith("__") or n == "__version__"}
    rt_funcs = {n for n, v in runtime.items() if isinstance(v, types.BuiltinFunctionType)}
    rt_classes = {n for n, v in runtime.items() if isinstance(v, type)}
    rt_vars = set(runtime) - rt_funcs - rt_classes
    assert set(stub_funcs) == rt_funcs
    assert set(stub_classes) == rt_classes
    assert stub_vars == rt_vars
    for name, fn in stub_funcs.items():
        assert _norm(_stub_params(fn, False)) == _norm(_runtime_params(getattr(_native, name), False)), name


def test_classes_match() -> None:
    tree = _stub_tree()
    for cls_node in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        rt_cls = getattr(_native, cls_node.name)
        if issubclass(rt_cls, BaseException):
            continue
        methods: dict[str, ast.FunctionDef] = {}
        props: set[str] = set()
        for item in cls_node.body:
            if isinstance(item, ast.FunctionDef):
                if any(isinstance(d, ast.Name) and d.id == "property" for d in item.decorator_list):
                    props.add(item.name)
                else:
                    methods[item.name] = item
        rt_members = {n: inspect.getattr_static(rt_cls, n) for n in _public(vars(rt_cls))}
        rt_props = {n for n, v in rt_members.items() if isinstance(v, types.GetSetDescriptorType)}
        rt_methods = set(rt_members) - rt_props
        assert props == rt_props, cls_node.name
        assert _public(methods) == rt_methods, cls_node.name
        for name in _public(methods):
            stub = _norm(_stub_params(methods[name], False))
            got = _norm(_runtime_params(getattr(rt_cls, name), False))
            assert stub == got, f"{cls_node.name}.{name}: stub {stub} != runtime {got}"
        if "__new__" in methods:
            stub = _norm(_stub_params(methods["__new__"], True))
            got = _norm(_runtime_params(rt_cls, False))
            assert stub == got, f"{cls_node.name}.__new__"
        else:
            # No constructor in the stub: the class cannot be built from Python.
            try:
                rt_cls()
            except TypeError:
                pass
            else:  # pragma: no cover
                raise AssertionError(f"{cls_node.name} is constructible but the stub has no __new__")


def test_package_is_typed() -> None:
    assert STUB.is_file()
    assert STUB.with_name("py.typed").is_file()
