// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {KField} from "./KField.sol";

/// @notice Domain generators and the FRI coset fold of src/stark/fri.ts.
library Fri {
    using KField for uint256;

    uint256 internal constant P = 2013265921;
    /// @dev 31^((p-1)/2^27): generator of the subgroup of order 2^27.
    uint256 internal constant TWO_ADIC_ROOT = 440564289;
    uint256 internal constant TWO_ADICITY = 27;
    uint256 internal constant INV2 = 1006632961;

    /// @dev Generator of the subgroup of order 2^logN (logN <= 27).
    function twoAdicGenerator(uint256 logN) internal pure returns (uint256 g) {
        g = TWO_ADIC_ROOT;
        for (uint256 i = logN; i < TWO_ADICITY; ++i) {
            g = mulmod(g, g, P);
        }
    }

    /// @dev The interpolant through (y·zeta^m, v_m), m < 2^s, evaluated at beta (the TS `foldCoset`),
    ///      computed as s radix-2 folds with beta, beta^2, ...: equal as polynomials, k·log k work instead
    ///      of k^2. `v` is overwritten.
    function foldCoset(uint256[] memory v, uint256 yInv, uint256 beta, uint256 s) internal pure returns (uint256) {
        uint256 k = 1 << s;
        uint256 zetaInv = KField.invF(twoAdicGenerator(s));
        while (k > 1) {
            uint256 half = k >> 1;
            uint256 xInv = yInv;
            for (uint256 m = 0; m < half; ++m) {
                uint256 a = v[m];
                uint256 b = v[m + half];
                uint256 sum = a.add(b).scale(INV2);
                uint256 diff = KField.sub(a, b).scale(mulmod(INV2, xInv, P));
                v[m] = sum.add(beta.mul(diff));
                xInv = mulmod(xInv, zetaInv, P);
            }
            yInv = mulmod(yInv, yInv, P);
            zetaInv = mulmod(zetaInv, zetaInv, P);
            beta = beta.mul(beta);
            k = half;
        }
        return v[0];
    }
}
