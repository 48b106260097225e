// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Minimal ERC-20 used for stake, collateral and fees. The deployer (minter) mints on devnets.
interface IStakeToken {
    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event MinterChanged(address indexed previousMinter, address indexed newMinter);

    error StakeToken__InsufficientBalance(address account, uint256 balance, uint256 needed);
    error StakeToken__InsufficientAllowance(address spender, uint256 allowance, uint256 needed);
    error StakeToken__ZeroAddress();
    error StakeToken__NotMinter(address caller);

    function name() external view returns (string memory);
    function symbol() external view returns (string memory);
    function decimals() external view returns (uint8);
    function totalSupply() external view returns (uint256);
    function balanceOf(address account) external view returns (uint256);
    function allowance(address owner, address spender) external view returns (uint256);
    function minter() external view returns (address);

    function transfer(address to, uint256 value) external returns (bool);
    function approve(address spender, uint256 value) external returns (bool);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
    function mint(address to, uint256 value) external;
    function burn(uint256 value) external;
    function setMinter(address newMinter) external;
}
