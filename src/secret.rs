//! Secrets: argon2id password hashes, random tokens from the OS, and SHA-256 digests.
//!
//! A plaintext password or token never leaves the function that minted or checked it:
//! only a PHC string (passwords) or a SHA-256 digest (high-entropy tokens) is stored.

use argon2::password_hash::{Output, PasswordHash, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// argon2id cost parameters for new hashes. Old hashes carry their own in the PHC string,
/// so raising these later does not invalidate them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for HashParams {
    /// The product contract's defaults (m = 19456 KiB, t = 2, p = 1).
    fn default() -> Self {
        HashParams {
            memory_kib: 19456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl HashParams {
    fn hasher(&self) -> Result<Argon2<'static>> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(|e| Error::Internal(anyhow::anyhow!("argon2 parameters: {e}")))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

thread_local! {
    /// argon2's working memory (m KiB), kept per thread and reused: allocating it afresh for
    /// every hash let the allocator's per-thread arenas grow to ~350 MB when hashing a batch
    /// on two cores. argon2 overwrites every block before reading it, so reuse is safe.
    static BLOCKS: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Hashes a password with argon2id and a fresh random salt, as a PHC string.
pub fn hash_password(password: &str, params: HashParams) -> Result<String> {
    let failed =
        |e: &dyn std::fmt::Display| Error::Internal(anyhow::anyhow!("argon2 hashing failed: {e}"));
    let hasher = params.hasher()?;
    let argon_params = hasher.params().clone();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_buf)
        .map_err(|e| failed(&e))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    BLOCKS
        .with_borrow_mut(|blocks| {
            if blocks.len() < argon_params.block_count() {
                blocks.resize(argon_params.block_count(), argon2::Block::default());
            }
            hasher.hash_password_into_with_memory(
                password.as_bytes(),
                salt_bytes,
                &mut out,
                &mut blocks[..],
            )
        })
        .map_err(|e| failed(&e))?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&argon_params).try_into().map_err(|e| failed(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| failed(&e))?),
    };
    Ok(hash.to_string())
}

/// Checks a password against a stored PHC string, with the parameters the string carries.
pub fn verify_password(phc: &str, password: &str) -> Result<bool> {
    let parsed = PasswordHash::new(phc)
        .map_err(|e| Error::Internal(anyhow::anyhow!("stored password hash is malformed: {e}")))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// A random token of 160 bits from the OS, as 32 characters of lower-case base32
/// (RFC 4648 alphabet): safe in a URL and in a mail, and quick to hash.
pub fn random_token() -> String {
    let mut bytes = [0u8; 20];
    OsRng.fill_bytes(&mut bytes);
    base32(&bytes)
}

fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// SHA-256 as lower-case hex: how tokens are stored and looked up, and the print file's digest.
pub fn sha256_hex(data: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(data.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_argon2id_phc_and_verifies() {
        let phc = hash_password("correct horse", HashParams::default()).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password(&phc, "correct horse").unwrap());
        assert!(!verify_password(&phc, "correct horsf").unwrap());
    }

    #[test]
    fn old_hashes_verify_after_parameters_change() {
        let weak = HashParams {
            memory_kib: 8192,
            iterations: 1,
            parallelism: 1,
        };
        let phc = hash_password("pw", weak).unwrap();
        assert!(verify_password(&phc, "pw").unwrap());
    }

    #[test]
    fn reused_working_memory_gives_hashes_that_verify() {
        // Same thread: the second and third hashes run on memory the first one filled, and
        // the small one on a prefix of it; verify_password uses fresh memory.
        let small = HashParams {
            memory_kib: 8192,
            iterations: 1,
            parallelism: 1,
        };
        for (pw, params) in [
            ("a", HashParams::default()),
            ("b", HashParams::default()),
            ("c", small),
        ] {
            let phc = hash_password(pw, params).unwrap();
            assert!(verify_password(&phc, pw).unwrap(), "{pw}");
            assert!(!verify_password(&phc, "x").unwrap());
        }
    }

    #[test]
    fn tokens_are_long_distinct_and_url_safe() {
        let a = random_token();
        let b = random_token();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_lowercase() || ('2'..='7').contains(&c))
        );
    }

    #[test]
    fn sha256_matches_a_known_vector() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
