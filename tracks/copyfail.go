package tracks

import (
	"encoding/binary"
	"io"

	"github.com/jackc/pgx/v5/pgproto3"
)

// copyFailMessage is what the server reports when a statement asked for
// COPY data: "COPY from stdin failed: " and this.
const copyFailMessage = "hogsend-db: a migration cannot send COPY data (COPY ... FROM STDIN); load the rows with INSERT, or COPY from a file on the server"

// copyFailReader watches the server's messages and answers a CopyInResponse
// at once with CopyFail. pgconn's Exec does not answer it, so COPY ... FROM
// STDIN would otherwise wait forever with the lock held (statement_timeout
// does not run while the server waits for the client). The up-front check
// refuses such statements; this is the runtime safety net for what it
// cannot see.
//
// Read runs in the goroutine that receives, after pgconn has flushed its
// request, so the CopyFail written here never interleaves with pgconn's own
// writes.
type copyFailReader struct {
	r      io.Reader
	w      io.Writer
	header [5]byte
	have   int // header bytes seen of the current message
	skip   int // body bytes of the current message still to pass
}

var _ io.Reader = (*copyFailReader)(nil)

func (c *copyFailReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for b := p[:n]; len(b) > 0; {
		if c.skip > 0 {
			k := min(c.skip, len(b))
			c.skip -= k
			b = b[k:]
			continue
		}
		k := copy(c.header[c.have:], b)
		c.have += k
		b = b[k:]
		if c.have < len(c.header) {
			break
		}
		c.have = 0
		c.skip = max(int(binary.BigEndian.Uint32(c.header[1:]))-4, 0)
		if c.header[0] == 'G' { // CopyInResponse
			if msg, e := (&pgproto3.CopyFail{Message: copyFailMessage}).Encode(nil); e == nil {
				_, _ = c.w.Write(msg)
			}
		}
	}
	return n, err
}

// buildFrontend is pgconn's default frontend reading through a
// copyFailReader.
func buildFrontend(r io.Reader, w io.Writer) *pgproto3.Frontend {
	return pgproto3.NewFrontend(&copyFailReader{r: r, w: w}, w)
}
