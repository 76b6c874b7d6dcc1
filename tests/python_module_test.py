"""Tests of the aanet module against //eval:predict, run by python_module_test.sh."""
import math
import sys
import unittest
import warnings

import h5py
import numpy as np

import aanet

TMP = sys.argv[1]
DATA_CONFIG = sys.argv[2]


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
        self.assertEqual(self.aa.num_degrees_of_freedom, 2)
        self.assertGreater(self.aa.step, 0)
        self.assertIn("num_layers: 2", self.aa.config)
        self.assertEqual(self.aa.scaler_scale.shape, (4,))
        self.assertIn("action_angle, 2 degrees of freedom", repr(self.aa))

    def test_num_particles_is_a_deprecated_alias(self):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.assertEqual(self.aa.num_particles, 2)  # deprecated alias
        self.assertEqual(len(caught), 1)
        self.assertIs(caught[0].category, DeprecationWarning)
        self.assertIn("use num_degrees_of_freedom", str(caught[0].message))

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
        # One state goes through other kernels than a batch (the float64
        # one-state path; a batch runs the flow's float32 stack,
        # models/README.md): equal up to float32 rounding.
        np.testing.assert_allclose(one, self.cli[3, 2:6], rtol=1e-5, atol=1e-6)
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

    def test_true_trajectory_is_the_datasets_own(self):
        with h5py.File(TMP + "/data.h5", "r") as f:
            q, p, t = f["q"][0], f["p"][0], f["t"][:]
        states = np.hstack([q, p])  # [T, 4]
        np.testing.assert_allclose(
            aanet.true_trajectory(TMP + "/data.h5", states[:50], 0.0),
            states[:50], rtol=0, atol=1e-12)
        later = aanet.true_trajectory(TMP + "/data.h5", states[:50],
                                      [t[7] - t[0], t[300] - t[0]])
        self.assertEqual(later.shape, (2, 50, 4))
        np.testing.assert_allclose(later[0], states[7:57], rtol=0, atol=1e-9)
        np.testing.assert_allclose(later[1], states[300:350], rtol=0, atol=1e-9)
        # The dataset's config gives the same system, generated in place.
        np.testing.assert_array_equal(
            aanet.true_trajectory(DATA_CONFIG, states[3], 12.5),
            aanet.true_trajectory(TMP + "/data.h5", states[3], 12.5))
        with self.assertRaises(ValueError) as e:
            aanet.true_trajectory(TMP + "/data.h5", states[:2], -1.0)
        self.assertIn("must be a finite number >= 0", str(e.exception))
        with self.assertRaises(FileNotFoundError):
            aanet.true_trajectory(TMP + "/missing.h5", states[:2], 1.0)

    def test_compare_with_truth_matches_the_command_line(self):
        cli = np.loadtxt(TMP + "/truth.csv", delimiter=",", skiprows=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the states are off the orbit
            r = self.eu.compare_with_truth(TMP + "/data.h5", self.states,
                                           [1, 10])
        self.assertEqual(r["true"].shape, (2, 2, 4))
        self.assertEqual(r["error"].shape, (2, 2))
        np.testing.assert_array_equal(r["predicted"].reshape(4, 4), cli[:, 2:6])
        np.testing.assert_array_equal(r["true"].reshape(4, 4), cli[:, 6:10])
        np.testing.assert_array_equal(r["error"].reshape(4), cli[:, 10])
        np.testing.assert_array_equal(
            np.array(r["outside_training_range"] * 2, dtype=float), cli[:, 11])
        # The error is the prediction loss of the row in the scaler's units.
        diff = (r["predicted"] - r["true"]) / self.eu.scaler_scale
        np.testing.assert_allclose(r["error"], (diff ** 2).mean(axis=-1),
                                   rtol=1e-12)

    def test_outside_training_range_is_flagged_and_warned(self):
        with h5py.File(TMP + "/data.h5", "r") as f:
            training = np.hstack([f["q"][0, 20], f["p"][0, 20]])
        # The Hamiltonian is quadratic: sqrt(10) x the state is 10x energy.
        states = np.vstack([training, math.sqrt(10) * training])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            r = self.eu.compare_with_truth(TMP + "/data.h5", states, 1.0)
        self.assertEqual(r["outside_training_range"], [False, True])
        self.assertEqual(len(r["warnings"]), 1)
        self.assertIn("state 1: energy ", r["warnings"][0])
        self.assertIn("outside the training split's [", r["warnings"][0])
        self.assertEqual([str(w.message) for w in caught], r["warnings"])
        one = self.eu.compare_with_truth(TMP + "/data.h5", training, 1.0)
        self.assertEqual(one["true"].shape, (4,))
        self.assertFalse(one["outside_training_range"])

    def test_another_system_is_refused_as_on_the_command_line(self):
        with open(TMP + "/truth_error.txt") as f:
            cli = f.read().strip()
        with self.assertRaises(ValueError) as e:
            self.eu.compare_with_truth(TMP + "/other.h5", self.states, 1.0)
        self.assertEqual("predict: --truth: " + str(e.exception), cli)
        self.assertIn("k_pair 0.3", cli)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
