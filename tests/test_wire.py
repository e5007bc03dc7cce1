"""What crosses between the grader and a student's sandbox is data, read back exactly."""

import json

import numpy as np
import pytest

from grader import evaluate, trusted, wire


def crossed(value):
    """``value`` sent one way over the wire and read back."""
    return wire.decode(json.loads(json.dumps(wire.encode(value))))


def test_a_random_generator_crosses_in_its_exact_state():
    rng = np.random.default_rng(7)
    rng.normal(size=3)  # part-way through its stream
    copy = crossed(rng)
    assert isinstance(copy, np.random.Generator)
    assert np.array_equal(copy.permutation(50), rng.permutation(50))


def test_draws_the_students_code_made_are_written_back():
    rng = np.random.default_rng(3)
    theirs = crossed(rng)
    theirs.permutation(10)  # what the student's function does with its copy
    assert not evaluate.same(theirs, crossed(rng))
    trusted._write_back(rng, crossed(theirs))
    assert np.array_equal(rng.permutation(10), theirs.permutation(10))


@pytest.mark.parametrize("forged", [
    {"t": "generator", "state": "os.system('x')", "inc": "1", "has_uint32": 0, "uinteger": 0},
    {"t": "generator", "state": "1", "inc": "1", "has_uint32": [], "uinteger": 0},
    {"t": "generator", "state": "1"},
])
def test_a_forged_generator_is_refused(forged):
    with pytest.raises(wire.WireError):
        wire.decode(forged)


def test_a_generator_of_another_bit_generator_is_described_not_sent():
    value = crossed(np.random.Generator(np.random.MT19937(0)))
    assert isinstance(value, wire.Opaque) and "Generator(MT19937)" in repr(value)
