"""Tests of the aanet module against //eval:predict, run by python_module_test.sh."""
import math
import sys
import unittest

import numpy as np

import aanet

TMP = sys.argv[1]


class AanetTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.aa = aanet.load(TMP + "/aa/best.h5")
        cls.eu = aanet.load(TMP + "/eu/best.h5")
        cls.states = np.loadtxt(TMP + "/states.csv", delimiter=",")
        cls.cli = np.loadtxt(TMP + "/pred.csv", delimiter=",", skiprows=1)

    def test_is_debian_python(self):
        self.assertEqual(sys.executable, "/usr/bin/python3")

    def test_properties(self):
        self.assertEqual(self.aa.model_kind, "action_angle")
        self.assertEqual(self.eu.model_kind, "euler_update")
        self.assertEqual(self.aa.num_particles, 2)
        self.assertGreater(self.aa.step, 0)
        self.assertIn("num_layers: 2", self.aa.config)
        self.assertEqual(self.aa.scaler_scale.shape, (4,))
        self.assertIn("action_angle, 2 particles", repr(self.aa))

    def test_predict_matches_the_command_line(self):
        for d, dt in enumerate([1.0, 10.0]):
            got = self.aa.predict(self.states, dt)
            self.assertEqual(got.shape, (2, 4))
            np.testing.assert_array_equal(got, self.cli[2 * d:2 * d + 2, 2:6])
        stacked = self.aa.predict(self.states, [1, 10])
        self.assertEqual(stacked.shape, (2, 2, 4))
        np.testing.assert_array_equal(stacked.reshape(4, 4), self.cli[:, 2:6])
        one = self.aa.predict(self.states[1], 10.0)
        self.assertEqual(one.shape, (4,))
        # One state goes through other kernels than a batch: equal up to
        # rounding.
        np.testing.assert_allclose(one, self.cli[3, 2:6], rtol=1e-12, atol=1e-12)
        # Other dtypes and memory layouts are converted.
        np.testing.assert_array_equal(
            self.aa.predict(np.asfortranarray(self.states.astype(np.float32)), 1.0),
            self.aa.predict(self.states.astype(np.float32).astype(float), 1.0))

    def test_action_angles_match_the_command_line(self):
        c = self.aa.action_angles(self.states, dt=10.0)
        self.assertEqual(sorted(c), ["actions", "angles", "angular_velocities"])
        np.testing.assert_array_equal(c["actions"], self.cli[2:4, 6:8])
        np.testing.assert_array_equal(c["angles"], self.cli[2:4, 8:10])
        np.testing.assert_array_equal(c["angular_velocities"], self.cli[2:4, 10:12])
        self.assertTrue(np.all(np.abs(c["angles"]) <= math.pi))

    def test_errors(self):
        with self.assertRaisesRegex(ValueError,
                                    r"states have 3 columns, expected 2n = 4"):
            self.aa.predict(np.zeros((5, 3)), 1.0)
        with self.assertRaisesRegex(ValueError, "non-finite value nan"):
            self.aa.predict(np.array([1.0, float("nan"), 0, 0]), 1.0)
        with self.assertRaisesRegex(ValueError, "3 dimensions"):
            self.aa.predict(np.zeros((1, 1, 4)), 1.0)
        with self.assertRaisesRegex(ValueError, "no action-angle coordinates"):
            self.eu.action_angles(self.states)
        with self.assertRaisesRegex(FileNotFoundError, "no such file"):
            aanet.load(TMP + "/missing.h5")
        with self.assertRaisesRegex(ValueError, "not an HDF5 file"):
            aanet.load(TMP + "/states.csv")

    # Issue 24: dt=nan was accepted here (the command line refuses it) and a
    # negative dt gave NaN for the Neural ODE; the module and the command
    # line share one check (Predictor::CheckDt), so their messages agree.
    def test_dt_is_checked_as_on_the_command_line(self):
        with open(TMP + "/dt_error.txt") as f:
            cli = f.read().strip()
        with self.assertRaises(ValueError) as raised:
            self.aa.predict(self.states, -1.0)
        self.assertEqual(cli, "predict: --dt: " + str(raised.exception))
        for model in (self.aa, self.eu):
            for dt in (float("nan"), float("inf"), -1.0, [1.0, -0.5]):
                with self.assertRaisesRegex(ValueError,
                                            r"^dt \S+: must be a finite number >= 0"):
                    model.predict(self.states, dt)
        with self.assertRaisesRegex(ValueError, r"^dt nan: must be"):
            self.aa.action_angles(self.states, dt=float("nan"))

    # Issue 24: finite states that overflow inside the model gave NaN rows.
    def test_predictions_that_overflow_are_refused(self):
        with self.assertRaisesRegex(ValueError,
                                    "the prediction at dt 1 is not finite"):
            self.aa.predict(np.full(4, 1e308), 1.0)
        with self.assertRaisesRegex(ValueError, "coordinates at dt 1 are not finite"):
            self.aa.action_angles(np.full(4, 1e308), dt=1.0)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
