// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Measures the execution gas of a view call (benchmarks and the gas snapshot only).
contract VerifierGasMeter {
    function measure(address target, bytes calldata data) external view returns (bool ok, uint256 gasUsed, bytes memory ret) {
        uint256 g = gasleft();
        (ok, ret) = target.staticcall(data);
        gasUsed = g - gasleft();
    }
}
