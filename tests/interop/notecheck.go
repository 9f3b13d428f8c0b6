// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 The sealcap authors

// notecheck: check a sealcap store's signed checkpoints with Go's reference
// implementations, golang.org/x/mod/sumdb/note (signed notes) and
// golang.org/x/mod/sumdb/tlog (RFC 6962 trees and proofs), none of whose
// code sealcap shares.  Used by tests/unit/test_checkpoint.c.
//
//	notecheck MASTER.PUB STORE
//
// It opens STORE/keys/*.pub with the master verifier key, takes the epoch
// verifier keys from them, opens every note in STORE/checkpoints with those,
// recomputes each checkpoint's root from STORE/leaves with tlog.TreeHash,
// and proves every leaf's inclusion and each checkpoint's consistency with
// the next using tlog.  Exit 0 and a count when all of it holds.
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(f string, a ...interface{}) {
	fmt.Printf("FAIL: "+f+"\n", a...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 3 {
		fail("usage: notecheck MASTER.PUB STORE")
	}
	mpub, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail("%v", err)
	}
	master, err := note.NewVerifier(strings.TrimSpace(string(mpub)))
	if err != nil {
		fail("master key: %v", err)
	}
	store := os.Args[2]

	var epochs []note.Verifier
	certs, _ := filepath.Glob(filepath.Join(store, "keys", "*.pub"))
	for _, c := range certs {
		b, err := os.ReadFile(c)
		if err != nil {
			fail("%v", err)
		}
		n, err := note.Open(b, note.VerifierList(master))
		if err != nil {
			fail("%s: %v", c, err)
		}
		for _, line := range strings.Split(n.Text, "\n") {
			if strings.Contains(line, "+") && !strings.Contains(line, " ") {
				v, err := note.NewVerifier(line)
				if err != nil {
					fail("%s: epoch key %q: %v", c, line, err)
				}
				epochs = append(epochs, v)
			}
		}
	}
	if len(epochs) == 0 {
		fail("no epoch keys in %s/keys", store)
	}

	raw, err := os.ReadFile(filepath.Join(store, "leaves"))
	if err != nil || len(raw)%32 != 0 {
		fail("leaves: %v (%d bytes)", err, len(raw))
	}
	leaves := make([]tlog.Hash, len(raw)/32)
	for i := range leaves {
		copy(leaves[i][:], raw[32*i:])
	}
	var sub func(level int, n int64) tlog.Hash
	sub = func(level int, n int64) tlog.Hash {
		if level == 0 {
			return leaves[n]
		}
		return tlog.NodeHash(sub(level-1, 2*n), sub(level-1, 2*n+1))
	}
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			level, n := tlog.SplitStoredHashIndex(x)
			out[i] = sub(level, n)
		}
		return out, nil
	})

	file, err := os.ReadFile(filepath.Join(store, "checkpoints"))
	if err != nil {
		fail("%v", err)
	}
	// Notes end with an empty line after their signature lines.
	var sizes []int64
	var roots []tlog.Hash
	for len(file) > 0 {
		text := bytes.Index(file, []byte("\n\n"))
		if text < 0 {
			fail("checkpoints: no note text")
		}
		end := bytes.Index(file[text+2:], []byte("\n\n"))
		if end < 0 {
			fail("checkpoints: unterminated note")
		}
		msg := file[:text+2+end+1]
		file = file[text+2+end+2:]
		n, err := note.Open(msg, note.VerifierList(epochs...))
		if err != nil {
			fail("note.Open: %v\n%s", err, msg)
		}
		lines := strings.Split(n.Text, "\n")
		size, err := strconv.ParseInt(lines[1], 10, 64)
		if err != nil || size > int64(len(leaves)) {
			fail("checkpoint size %q", lines[1])
		}
		rb, err := base64.StdEncoding.DecodeString(lines[2])
		if err != nil || len(rb) != 32 {
			fail("checkpoint root %q", lines[2])
		}
		var root tlog.Hash
		copy(root[:], rb)
		th, err := tlog.TreeHash(size, reader)
		if err != nil || th != root {
			fail("size %d: tlog.TreeHash %v, checkpoint says %v (%v)", size, th, root, err)
		}
		for i := int64(0); i < size; i++ {
			p, err := tlog.ProveRecord(size, i, reader)
			if err != nil || tlog.CheckRecord(p, size, root, i, leaves[i]) != nil {
				fail("size %d: leaf %d does not prove", size, i)
			}
		}
		if len(sizes) > 0 {
			old := sizes[len(sizes)-1]
			p, err := tlog.ProveTree(size, old, reader)
			if err != nil || tlog.CheckTree(p, size, root, old, roots[len(roots)-1]) != nil {
				fail("size %d is not consistent with size %d", size, old)
			}
		}
		sizes = append(sizes, size)
		roots = append(roots, root)
		fmt.Printf("%s signed by %s: size %d root %v\n", lines[0], n.Sigs[0].Name, size, root)
	}
	fmt.Printf("%d checkpoints verified by golang.org/x/mod/sumdb/note, roots and proofs by golang.org/x/mod/sumdb/tlog\n", len(sizes))
}
