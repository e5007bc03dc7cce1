"""Make recorded calls with a student's exercise functions: runs inside the sandbox.

``python -m grader.evaluate calls.json answers.json`` (started by
:func:`grader.trusted.evaluate`): for each call, import the student's module,
call the function on fresh copies of the arguments, and write what came back,
what was raised, and which arguments the function changed, as plain JSON. This
process is untrusted: what it writes is only ever read as data.
"""

import copy
import importlib
import json
import sys

from grader.trusted import _same, decode, encode


def answer(module, function, args, kwargs):
    kept = copy.deepcopy(args)
    try:
        result = getattr(importlib.import_module(f"descentlab.{module}"), function)(*args,
                                                                                  **kwargs)
        reply = {"result": encode(result)}
    except BaseException as error:  # anything the student's code raises is an answer
        reply = {"result": {"t": "raised", "type": type(error).__name__, "v": str(error)[:500]}}
    reply["mutated"] = [i for i, (now, before) in enumerate(zip(args, kept, strict=True))
                        if not _same(now, before)]
    return reply


def main():
    request, reply = sys.argv[1:3]
    calls = json.loads(open(request).read())
    answers = [answer(m, f, list(decode(a)), decode(k)) for m, f, a, k in calls]
    with open(reply, "w") as handle:
        json.dump(answers, handle)


if __name__ == "__main__":
    main()
