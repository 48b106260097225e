import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { privateKeyToAddress } from "viem/accounts";
import { KeystoreError, decryptKeystore, encryptKeystore, keystoreAddress, type KeystoreV3 } from "../../../src/node/keystore.js";

/**
 * Test vectors of the Web3 Secret Storage Definition (version 3), "Test vectors" section, published in
 * the Ethereum wiki (github.com/ethereum/wiki/wiki/Web3-Secret-Storage-Definition) and on ethereum.org
 * (developers/docs/data-structures-and-encoding/web3-secret-storage). Password "testpassword",
 * private key 7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d.
 */
const SPEC_PASSWORD = "testpassword";
const SPEC_KEY = "0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";
const SPEC_SCRYPT: KeystoreV3 = {
  crypto: {
    cipher: "aes-128-ctr",
    cipherparams: { iv: "83dbcc02d8ccb40e466191a123791e0e" },
    ciphertext: "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
    kdf: "scrypt",
    kdfparams: { dklen: 32, n: 262144, p: 8, r: 1, salt: "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19" },
    mac: "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
  },
  id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
  version: 3,
};
const SPEC_PBKDF2: KeystoreV3 = {
  crypto: {
    cipher: "aes-128-ctr",
    cipherparams: { iv: "6087dab2f9fdbbfaddc31a909735c1e6" },
    ciphertext: "5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46",
    kdf: "pbkdf2",
    kdfparams: { c: 262144, dklen: 32, prf: "hmac-sha256", salt: "ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd" },
    mac: "517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2",
  },
  id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
  version: 3,
};

const FAST = { n: 1024, r: 8, p: 1 };
const isKeystoreError = (code: string) => (e: unknown) => e instanceof KeystoreError && e.code === code;

describe("node: keystore (Web3 Secret Storage v3)", function () {
  this.timeout(30_000);

  it("decrypts the specification's scrypt test vector; re-encrypting with its salt and iv reproduces ciphertext and MAC", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "test/unit/node/fixtures/keystore-vector.ts", JSON.stringify(SPEC_SCRYPT), SPEC_PASSWORD], { encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { key: string; ciphertext: string; mac: string };
    assert.equal(out.key, SPEC_KEY);
    assert.equal(out.ciphertext, SPEC_SCRYPT.crypto.ciphertext);
    assert.equal(out.mac, SPEC_SCRYPT.crypto.mac);
  });

  it("decrypts the specification's pbkdf2 test vector", async () => {
    assert.equal(await decryptKeystore(JSON.stringify(SPEC_PBKDF2), SPEC_PASSWORD), SPEC_KEY);
  });

  it("round-trips a key, records its address, and refuses wrong or empty passwords", async () => {
    const key = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318" as const;
    const ks = await encryptKeystore(key, "correct horse", { scrypt: FAST });
    assert.equal(ks.version, 3);
    assert.equal(ks.crypto.kdf, "scrypt");
    assert.equal(keystoreAddress(ks), privateKeyToAddress(key).toLowerCase());
    assert.doesNotMatch(JSON.stringify(ks), new RegExp(key.slice(2)), "the key is not in the file");
    assert.equal(await decryptKeystore(JSON.stringify(ks), "correct horse"), key);
    await assert.rejects(decryptKeystore(ks, "wrong horse"), (e: unknown) => isKeystoreError("KEYSTORE_WRONG_PASSWORD")(e) && /wrong keystore password/.test((e as Error).message));
    await assert.rejects(encryptKeystore(key, "", { scrypt: FAST }), isKeystoreError("KEYSTORE_EMPTY_PASSWORD"));
    // Two encryptions of the same key differ (random salt and iv).
    const again = await encryptKeystore(key, "correct horse", { scrypt: FAST });
    assert.notEqual(again.crypto.ciphertext, ks.crypto.ciphertext);
  });

  it("names what is wrong with a damaged or foreign file", async () => {
    const ks = await encryptKeystore(("0x" + "11".repeat(32)) as `0x${string}`, "pw", { scrypt: FAST });
    const cases: [unknown, string, RegExp?][] = [
      ["{not json", "KEYSTORE_INVALID"],
      [{ ...ks, version: 4 }, "KEYSTORE_UNSUPPORTED", /version 4/],
      [{ ...ks, crypto: { ...ks.crypto, cipher: "aes-256-gcm" } }, "KEYSTORE_UNSUPPORTED", /cipher/],
      [{ ...ks, crypto: { ...ks.crypto, kdf: "argon2" } }, "KEYSTORE_UNSUPPORTED", /kdf/],
      [{ ...ks, crypto: { ...ks.crypto, mac: "zz" } }, "KEYSTORE_INVALID", /crypto\.mac/],
      [{ ...ks, address: "00".repeat(20) }, "KEYSTORE_ADDRESS_MISMATCH"],
    ];
    for (const [input, code, msg] of cases) {
      await assert.rejects(decryptKeystore(input as KeystoreV3, "pw"), (e: unknown) => isKeystoreError(code)(e) && (!msg || msg.test((e as Error).message)), String(code));
    }
  });
});
