// The probe sagesim runs with the user's own Python to find their SageMaker Python SDK: it imports
// what the SDK's job driver imports (invoke_function) and prints one JSON line with the Python,
// sagemaker and botocore versions and every top-level module loaded from outside the standard
// library (where it lives, and whether it holds compiled extensions), so they can be mounted into
// job containers. Kept as Python source in a string so the published package needs no extra file.

/** Marks the probe's JSON line: the SDK may print its own lines first. */
export const PROBE_MARKER = 'SAGESIM_SDK_PROBE ';

export const SDK_PROBE_SCRIPT = `import json
import os
import sys
import sysconfig

out = {"python": "%d.%d" % sys.version_info[:2], "platform": sys.platform, "executable": sys.executable}
try:
    import sagemaker.remote_function.invoke_function  # noqa: F401  (what job_driver.sh runs)
    import sagemaker.remote_function.runtime_environment.runtime_environment_manager  # noqa: F401
    import sagemaker.workflow.pipeline  # noqa: F401  (pickles of pipeline variables)
    import botocore
    import sagemaker
except Exception as error:  # the caller explains what to do
    out["error"] = "%s: %s" % (type(error).__name__, error)
    print("SAGESIM_SDK_PROBE " + json.dumps(out))
    sys.exit(0)

out["sagemaker"] = sagemaker.__version__
out["botocore"] = botocore.__version__
stdlib = {os.path.realpath(sysconfig.get_paths()[key]) for key in ("stdlib", "platstdlib")}
EXT = (".so", ".pyd", ".dylib")


def in_stdlib(path):
    real = os.path.realpath(path)
    return any(real.startswith(root + os.sep) for root in stdlib) and "-packages" not in real


def compiled(path):
    if os.path.isfile(path):
        return path.endswith(EXT)
    for _root, _dirs, files in os.walk(path):
        if any(name.endswith(EXT) for name in files):
            return True
    return False


search_path = {os.path.realpath(entry or os.getcwd()) for entry in sys.path}
modules = {}
for name in sorted({n.split(".")[0] for n in list(sys.modules)}):
    module = sys.modules.get(name)
    if module is None or name in ("__main__", "__mp_main__", "sitecustomize", "usercustomize"):
        continue
    file = getattr(module, "__file__", None)
    paths = list(getattr(module, "__path__", []) or [])
    if file is None and not paths:
        continue  # built into the interpreter
    if file is not None and os.path.basename(file) == "__init__.py":
        path = os.path.dirname(file)
    elif file is not None:
        path = file
    else:
        path = paths[0]  # a namespace package: its first portion
    if in_stdlib(path):
        continue
    # Only real top-level modules: a folder on sys.path holds them (not setuptools' distutils shim).
    if os.path.realpath(os.path.dirname(path)) not in search_path or os.path.basename(path).split(".")[0] != name:
        continue
    modules[name] = {"name": name, "path": os.path.realpath(path), "compiled": compiled(path)}

# Package metadata, so importlib.metadata.version("sagemaker") works inside the container.
dists = []
try:
    import importlib.metadata as md

    by_module = md.packages_distributions()
    for top in modules:
        for dist_name in set(by_module.get(top, [])) | {top}:
            try:
                dist = md.distribution(dist_name)
            except md.PackageNotFoundError:
                continue
            where = getattr(dist, "_path", None)
            if where is not None and os.path.isdir(str(where)):
                dists.append(os.path.realpath(str(where)))
except Exception:  # metadata is a nicety: never fail the probe for it
    pass

out["modules"] = list(modules.values())
out["distributions"] = sorted(set(dists))
print("SAGESIM_SDK_PROBE " + json.dumps(out))
`;
