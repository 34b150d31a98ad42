"""A validation loss that grew by a factor of 1e35 (inputs rewritten in place at every evaluation, probe Q f07) was
printed as a 38-digit percentage in hparam.epochs_too_many's title; a rise is a percentage up to 9x, a multiple
beyond."""
from traindoctor.checks.causes.hparam import _worse


def test_a_rise_reads_as_a_percentage_then_as_a_multiple():
    assert _worse(0.4) == "40% worse"
    assert _worse(8.5) == "850% worse"
    assert _worse(4.0006e35) == "4.00e+35x worse"
    assert _worse(11.0) == "12x worse"
