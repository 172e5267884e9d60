"""Drive the real Deno Jupyter kernel through jupyter_client, as a notebook front end does.

Reads one JSON object on stdin:
  {"deno": path, "cwd": folder the kernel runs in, "env": {name: value} (whole environment),
   "cells": [code, ...], "timeout": seconds per cell, "watch": folder (optional), "grace": seconds}
and prints one JSON object on stdout:
  {"cells": [{"status": "ok"|"error", "seconds": wall time from execute_request to the
              execute_reply and the kernel's idle status, "outputs": [{"type": msg type,
              "data": {mime: value} | "text": ...}], "late": outputs that arrived after idle,
              "before"/"after": listing of `watch` (path, size, mtime) around the cell}]}

The kernel is started from a kernel spec written into a temporary JUPYTER_PATH (argv: deno
jupyter --kernel --conn {connection_file}), so the test uses this checkout's Deno whatever kernel
is installed in the venv. Outputs published after "idle" are collected for `grace` seconds and
reported apart: a headless client (nbclient) loses them, so a test can say so.
"""
import json
import os
import sys
import tempfile
import time

from jupyter_client.manager import KernelManager
from jupyter_client.kernelspec import KernelSpecManager


def listing(folder):
    out = []
    if not folder or not os.path.isdir(folder):
        return out
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            try:
                st = os.stat(path)
            except FileNotFoundError:
                continue
            out.append([os.path.relpath(path, folder), st.st_size, st.st_mtime_ns])
    return sorted(out)


def output_of(msg):
    kind = msg["msg_type"]
    content = msg["content"]
    if kind in ("display_data", "execute_result", "update_display_data"):
        return {"type": kind, "data": content.get("data", {}), "display_id": content.get("transient", {}).get("display_id")}
    if kind == "stream":
        return {"type": kind, "name": content.get("name"), "text": content.get("text", "")}
    if kind == "error":
        return {"type": kind, "ename": content.get("ename"), "evalue": content.get("evalue")}
    return None


def main():
    spec = json.load(sys.stdin)
    timeout = float(spec.get("timeout", 600))
    grace = float(spec.get("grace", 0.5))
    with tempfile.TemporaryDirectory() as jupyter_path:
        kernel_dir = os.path.join(jupyter_path, "kernels", "netsec-deno-test")
        os.makedirs(kernel_dir)
        with open(os.path.join(kernel_dir, "kernel.json"), "w") as f:
            json.dump({"argv": [spec["deno"], "jupyter", "--kernel", "--conn", "{connection_file}"],
                       "display_name": "Deno (netsec test)", "language": "typescript"}, f)
        ksm = KernelSpecManager()
        ksm.kernel_dirs = [os.path.join(jupyter_path, "kernels")]
        km = KernelManager(kernel_name="netsec-deno-test", kernel_spec_manager=ksm)
        km.start_kernel(cwd=spec["cwd"], env=spec["env"])
        kc = km.client()
        kc.start_channels()
        results = []
        try:
            kc.wait_for_ready(timeout=120)
            for code in spec["cells"]:
                before = listing(spec.get("watch"))
                started = time.monotonic()
                msg_id = kc.execute(code, store_history=True, allow_stdin=False)
                outputs, late = [], []
                idle = reply = replied = None
                deadline = started + timeout
                while idle is None or reply is None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeoutError(f"cell did not finish within {timeout} s: {code[:80]!r}")
                    if reply is None:
                        try:
                            r = kc.get_shell_msg(timeout=0.01)
                            if r["parent_header"].get("msg_id") == msg_id:
                                reply = r["content"]
                                replied = time.monotonic()
                        except Exception:
                            pass
                    try:
                        msg = kc.get_iopub_msg(timeout=0.05)
                    except Exception:
                        continue
                    if msg["parent_header"].get("msg_id") != msg_id:
                        continue
                    if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                        idle = time.monotonic()
                        continue
                    out = output_of(msg)
                    if out:
                        outputs.append(out)
                seconds = max(idle, replied) - started
                end = time.monotonic() + grace
                while time.monotonic() < end:
                    try:
                        msg = kc.get_iopub_msg(timeout=0.05)
                    except Exception:
                        continue
                    if msg["parent_header"].get("msg_id") == msg_id:
                        out = output_of(msg)
                        if out:
                            late.append(out)
                results.append({"status": reply.get("status"), "error": reply.get("evalue") if reply.get("status") == "error" else None,
                                "seconds": seconds, "outputs": outputs, "late": late,
                                "before": before, "after": listing(spec.get("watch"))})
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    json.dump({"cells": results}, sys.stdout)


if __name__ == "__main__":
    main()
