// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IStakeToken} from "./interfaces/IStakeToken.sol";

/// @notice Minimal ERC-20 for stake, collateral and fees. The minter (the deployer on devnets) mints;
///         any holder may burn its own tokens (slashing burns through this).
contract StakeToken is IStakeToken {
    string public name;
    string public symbol;
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    address public minter;

    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    constructor(string memory name_, string memory symbol_, address minter_) {
        if (minter_ == address(0)) revert StakeToken__ZeroAddress();
        name = name_;
        symbol = symbol_;
        minter = minter_;
        emit MinterChanged(address(0), minter_);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        if (spender == address(0)) revert StakeToken__ZeroAddress();
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < value) revert StakeToken__InsufficientAllowance(msg.sender, allowed, value);
            unchecked {
                allowance[from][msg.sender] = allowed - value;
            }
        }
        _transfer(from, to, value);
        return true;
    }

    function mint(address to, uint256 value) external {
        if (msg.sender != minter) revert StakeToken__NotMinter(msg.sender);
        if (to == address(0)) revert StakeToken__ZeroAddress();
        totalSupply += value;
        unchecked {
            balanceOf[to] += value;
        }
        emit Transfer(address(0), to, value);
    }

    function burn(uint256 value) external {
        uint256 bal = balanceOf[msg.sender];
        if (bal < value) revert StakeToken__InsufficientBalance(msg.sender, bal, value);
        unchecked {
            balanceOf[msg.sender] = bal - value;
            totalSupply -= value;
        }
        emit Transfer(msg.sender, address(0), value);
    }

    /// @notice Hand the minter role on, or renounce it with address(0) to freeze the supply.
    function setMinter(address newMinter) external {
        if (msg.sender != minter) revert StakeToken__NotMinter(msg.sender);
        emit MinterChanged(minter, newMinter);
        minter = newMinter;
    }

    function _transfer(address from, address to, uint256 value) private {
        if (to == address(0)) revert StakeToken__ZeroAddress();
        uint256 bal = balanceOf[from];
        if (bal < value) revert StakeToken__InsufficientBalance(from, bal, value);
        unchecked {
            balanceOf[from] = bal - value;
            balanceOf[to] += value;
        }
        emit Transfer(from, to, value);
    }
}
