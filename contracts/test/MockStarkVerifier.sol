// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IStarkVerifier} from "../interfaces/IStarkVerifier.sol";

/// @notice Test stand-in for the STARK verifier: the verdict for a proof (by keccak256) is set by the
///         test, optionally bound to one prover address. Never deploy outside devnets and tests:
///         `deploySystem` (and so `npm run deploy`) refuses it unless the chain id is 31337.
contract MockStarkVerifier is IStarkVerifier {
    enum Verdict {
        Unknown, // returns false
        Valid, // returns true when the prover matches (or no prover was bound)
        Revert, // reverts with MockStarkVerifier__Rejected
        BurnGas // loops until it runs out of gas
    }

    struct Entry {
        Verdict verdict;
        address prover;
    }

    error MockStarkVerifier__Rejected(bytes32 proofHash);

    event VerdictSet(bytes32 indexed proofHash, Verdict verdict, address prover);

    mapping(bytes32 => Entry) public entries;

    /// @notice The policy the stand-in reports to Rollup and SegmentMarket (a real verifier's is immutable);
    ///         tests lower it to exercise their checks of the security floor.
    uint256 public minSecurityBits = 96;

    function setMinSecurityBits(uint256 bits) external {
        minSecurityBits = bits;
    }

    function setVerdict(bytes32 proofHash, Verdict verdict, address prover) external {
        entries[proofHash] = Entry(verdict, prover);
        emit VerdictSet(proofHash, verdict, prover);
    }

    function verify(bytes32, bytes calldata proof, uint32[] calldata, uint32[] calldata, address prover)
        external
        view
        returns (bool)
    {
        bytes32 h = keccak256(proof);
        Entry memory e = entries[h];
        if (e.verdict == Verdict.Revert) revert MockStarkVerifier__Rejected(h);
        if (e.verdict == Verdict.BurnGas) {
            uint256 x;
            while (gasleft() > 0) x = uint256(keccak256(abi.encode(x)));
        }
        return e.verdict == Verdict.Valid && (e.prover == address(0) || e.prover == prover);
    }
}
