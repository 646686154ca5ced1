// SPDX-License-Identifier: Apache-2.0
/*
 * archive.c - `ovsperf-probe archive`: one tar file compressed with zstd
 * holding what a post-mortem analysis on another machine needs (layout in
 * archive_usage and man ovsperf-probe(1)).  The tar is written by hand (POSIX
 * ustar, 512-byte headers) and streamed through ZSTD_compressStream2(), so
 * the perf.data is never held in memory.  Which kernel symbols go in is
 * archive-kallsyms.c's choice; the symbol tables of the probed binaries are
 * read with lib/'s ELF reader (ovsperf/elfsym.h).
 */
#include <errno.h>
#include <getopt.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "ovsperf/elfsym.h"
#include "ovsperf/err.h"
#include "ovsperf/outfile.h"
#include "ovsperf/pdata.h"
#include "ovsperf/safefile.h"
#include "ovsperf/strutil.h"
#include "archive.h"

#define ARCHIVE_FORMAT 1
#define TAR_BLOCK 512

static const char archive_usage[] =
	"Usage: ovsperf-probe archive [PERF.DATA] [-o FILE] [--binary PATH]...\n"
	"\n"
	"Pack a recording (default perf.data) with what is needed to analyse it on\n"
	"another machine into one tar file compressed with zstd (default\n"
	"PERF.DATA.tar.zst):\n"
	"\n"
	"  MANIFEST              format version, source, host, and this file list\n"
	"  perf.data             the recording\n"
	"  kallsyms              /proc/kallsyms (kernel symbols with addresses) when\n"
	"                        this machine runs the boot that made the recording\n"
	"                        (release, kernel build-id and _text address agree),\n"
	"                        else the --kallsyms FILE, else none (a warning)\n"
	"  modules               /proc/modules (with /proc/kallsyms only)\n"
	"  os-release            /etc/os-release\n"
	"  uname                 sysname nodename release version machine, one line\n"
	"  symbols/NAME.syms     symbol table of each probed binary: the user\n"
	"                        binaries of the recording's BUILD_ID list and each\n"
	"                        --binary; NAME is the path with '/' turned into '_';\n"
	"                        lines \"ADDR SIZE TYPE NAME\" (hex, hex, nm letter)\n"
	"                        after \"# path:\", \"# build-id:\" and \"# load: OFFSET\n"
	"                        VADDR FILESZ\" (PT_LOAD segments, hex) comments\n"
	"\n"
	"  -o, --output FILE     output file\n"
	"      --binary PATH     also store the symbols of PATH (repeatable)\n"
	"      --kallsyms FILE   the recorded boot's kallsyms (plain or zstd) to store;\n"
	"                        refused when its _text is not where the recording's\n"
	"                        kernel was\n"
	"  -h, --help            show this help\n"
	"\n"
	"Unpack with: tar --zstd -xf FILE\n";

/* The archive being written. */
struct archive {
	struct ovp_outfile *of;		/* the archive file (outfile.h) */
	FILE *out;			/* its stream */
	ZSTD_CCtx *cctx;
	void *zbuf;			/* compressed output buffer */
	size_t zbuf_size;
	char *manifest;			/* the file list, built while adding */
	size_t manifest_len;
	int err;			/* sticky */
};

static void manifest_add(struct archive *a, const char *fmt, ...) __printf(2, 3);

static void manifest_add(struct archive *a, const char *fmt, ...)
{
	char line[4352];
	va_list ap;
	int n;
	char *m;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || a->err)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	m = realloc(a->manifest, a->manifest_len + n + 1);
	if (!m) {
		a->err = ovp_err(-ENOMEM, "out of memory");
		return;
	}
	memcpy(m + a->manifest_len, line, n + 1);
	a->manifest = m;
	a->manifest_len += n;
}

/* Compress @size bytes (or finish the frame when @end). */
static void zput(struct archive *a, const void *data, size_t size, bool end)
{
	ZSTD_inBuffer in = { data, size, 0 };

	while (!a->err) {
		ZSTD_outBuffer out = { a->zbuf, a->zbuf_size, 0 };
		size_t left = ZSTD_compressStream2(a->cctx, &out, &in,
						   end ? ZSTD_e_end : ZSTD_e_continue);

		if (ZSTD_isError(left)) {
			a->err = ovp_err(-EIO, "zstd: %s", ZSTD_getErrorName(left));
			return;
		}
		if (out.pos && fwrite(a->zbuf, 1, out.pos, a->out) != out.pos) {
			a->err = ovp_outfile__failed(a->of, errno ? -errno : -EIO);
			return;
		}
		if (end ? left == 0 : in.pos == in.size)
			return;
	}
}

/* A ustar header for a regular file of @size bytes. */
static void tar_header(struct archive *a, const char *name, uint64_t size)
{
	unsigned char h[TAR_BLOCK] = { 0 };
	unsigned int sum = 0;
	size_t len = strlen(name), i;

	if (len > 100) {
		/* Split at a '/' into prefix (155) and name (100). */
		const char *slash = name + len - 100;

		slash = strchr(slash - 1 > name ? slash - 1 : name, '/');
		if (!slash || slash - name > 155 || !slash[1]) {
			a->err = ovp_err(-ENAMETOOLONG, "archive member name too long: %s", name);
			return;
		}
		memcpy(h + 345, name, slash - name);
		memcpy(h, slash + 1, strlen(slash + 1));
	} else {
		memcpy(h, name, len);
	}
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size);
	snprintf((char *)h + 136, 12, "%011llo", (unsigned long long)time(NULL));
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memcpy(h + 265, "root", 4);
	memcpy(h + 297, "root", 4);
	memset(h + 148, ' ', 8);
	for (i = 0; i < TAR_BLOCK; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
	zput(a, h, sizeof(h), false);
}

static void tar_pad(struct archive *a, uint64_t size)
{
	static const char zeros[TAR_BLOCK];

	if (size % TAR_BLOCK)
		zput(a, zeros, TAR_BLOCK - size % TAR_BLOCK, false);
}

static void add_buffer(struct archive *a, const char *name, const char *data, size_t size,
		       const char *what)
{
	tar_header(a, name, size);
	zput(a, data, size, false);
	tar_pad(a, size);
	if (what)
		manifest_add(a, "file: %s %zu %s\n", name, size, what);
}

/* A procfs or small system file (size unknown until read); missing is fine. */
static void add_small_file(struct archive *a, const char *name, const char *path,
			   const char *what)
{
	char *text;
	size_t size;

	if (a->err)	/* keep its message */
		return;
	if (ovp_read_file(path, &text, &size)) {
		ovp_warn("archive: %s not stored: %s", name, ovp_errmsg());
		ovp_err_clear();
		return;
	}
	add_buffer(a, name, text, size, what);
	free(text);
}

/* A regular file, streamed. */
static void add_big_file(struct archive *a, const char *name, const char *path,
			 const char *what)
{
	char buf[1 << 16];
	struct stat st;
	uint64_t left;
	int fd;

	fd = ovp_open_regular(path, 0, NULL);
	if (fd < 0 || fstat(fd, &st) < 0) {
		a->err = fd < 0 ? ovp_err_prefix(fd, "cannot read")
				: ovp_err(-errno, "cannot read %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	tar_header(a, name, st.st_size);
	for (left = st.st_size; left && !a->err;) {
		ssize_t n = read(fd, buf, left < sizeof(buf) ? left : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* The header promised st_size bytes: a shrinking file breaks it. */
			a->err = ovp_err(n < 0 ? -errno : -EIO, "reading %s: %s", path,
					 n < 0 ? strerror(errno) : "file shrank");
			break;
		}
		zput(a, buf, n, false);
		left -= n;
	}
	close(fd);
	tar_pad(a, st.st_size);
	manifest_add(a, "file: %s %llu %s\n", name, (unsigned long long)st.st_size, what);
}

/* One line "ADDR SIZE TYPE NAME" per defined function or object (nm's
 * letter: t/T, d/D). */
static int sym_line(const struct ovp_elf_sym *sym, void *arg)
{
	FILE *m = arg;
	char c;

	if (!sym->value || sym->shndx == SHN_UNDEF)
		return 0;
	if (sym->type == STT_FUNC || sym->type == STT_GNU_IFUNC)
		c = 't';
	else if (sym->type == STT_OBJECT)
		c = 'd';
	else
		return 0;
	if (sym->bind != STB_LOCAL)
		c -= 'a' - 'A';
	if (*sym->name)
		fprintf(m, "%016" PRIx64 " %" PRIx64 " %c %s\n", sym->value, sym->size, c,
			sym->name);
	return 0;
}

/* Symbol table of an ELF file as text: "ADDR SIZE TYPE NAME" lines. */
static int elf_symbols(const char *path, char **textp, size_t *sizep)
{
	char *text = NULL;
	size_t len = 0, i, idsz;
	struct ovp_elf_load loads[64];
	enum ovp_elf_table table;
	struct ovp_elf *e;
	uint8_t id[20];
	bool symtab;
	FILE *m;
	int err, nr;

	int fd = ovp_open_regular(path, 0, NULL);

	if (fd < 0)
		return ovp_err_prefix(fd, "cannot open");
	err = ovp_elf__open_fd(&e, fd, path);
	if (err)
		return err;
	symtab = ovp_elf__has_table(e, OVP_ELF_SYMTAB, NULL, NULL);
	table = symtab ? OVP_ELF_SYMTAB : OVP_ELF_DYNSYM;
	idsz = ovp_elf__build_id(e, id);
	m = open_memstream(&text, &len);
	if (!m) {
		ovp_elf__close(e);
		return ovp_err(-ENOMEM, "out of memory");
	}
	fprintf(m, "# path: %s\n# build-id: ", path);
	for (i = 0; i < idsz; i++)
		fprintf(m, "%02x", id[i]);
	fprintf(m, "\n# table: %s\n", symtab ? ".symtab" :
		ovp_elf__has_table(e, OVP_ELF_DYNSYM, NULL, NULL) ? ".dynsym" : "none");
	/* The PT_LOAD segments map file offsets (MMAP pgoff) to the symbols'
	 * virtual addresses: an analyzer needs them to place a user-space
	 * address without the binary. */
	nr = ovp_elf__loads(e, loads, sizeof(loads) / sizeof(loads[0]));
	for (i = 0; nr > 0 && i < (size_t)nr; i++)
		fprintf(m, "# load: %" PRIx64 " %" PRIx64 " %" PRIx64 "\n", loads[i].offset,
			loads[i].vaddr, loads[i].filesz);
	ovp_elf__for_each_sym(e, table, sym_line, m);
	ovp_elf__close(e);
	if (fclose(m)) {
		free(text);
		return ovp_err(-ENOMEM, "out of memory");
	}
	*textp = text;
	*sizep = len;
	return 0;
}

static void add_symbols(struct archive *a, const char *path)
{
	const char *base = path[0] == '/' ? path + 1 : path;
	char name[4200], *text = NULL, *p;
	size_t size = 0;

	if (a->err)	/* keep its message */
		return;
	if (elf_symbols(path, &text, &size)) {
		ovp_warn("archive: no symbols for %s: %s", path, ovp_errmsg());
		ovp_err_clear();
		return;
	}

	/* ustar names hold 100 bytes (after "symbols/"): keep the end of a
	 * long path; the file's "# path:" line and MANIFEST have all of it. */
	if (strlen(base) > 90)
		base += strlen(base) - 90;
	snprintf(name, sizeof(name), "symbols/%s.syms", base);
	for (p = name + 8; *p; p++)
		if (*p == '/')
			*p = '_';
	add_buffer(a, name, text, size, path);
	free(text);
}

int cmd_archive(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "binary", required_argument, NULL, 'b' },
		{ "kallsyms", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct archive a = { 0 };
	const char *input = "perf.data", *output = NULL, *kallsyms_path = NULL;
	const char **bins = NULL, **more;
	char *ktext = NULL;
	size_t ksize = 0;
	bool khost = false;
	size_t nr_bins = 0, i, j;
	struct pdata_session *s = NULL;
	char *out_alloc = NULL, host[256] = "";
	struct utsname u;
	int c, err;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'k':
			kallsyms_path = optarg;
			break;
		case 'b':
			more = realloc(bins, (nr_bins + 1) * sizeof(*bins));
			if (!more) {
				free(bins);
				ovp_print_error("out of memory");
				return OVP_EXIT_INPUT;
			}
			bins = more;
			bins[nr_bins++] = optarg;
			break;
		case 'h':
			fputs(archive_usage, stdout);
			free(bins);
			return OVP_EXIT_OK;
		default:
			ovp_print_error("archive: unknown option '%s' (see --help)",
					argv[optind - 1]);
			free(bins);
			return OVP_EXIT_USAGE;
		}
	}
	if (optind < argc)
		input = argv[optind++];
	if (optind < argc) {
		ovp_print_error("archive: one recording at a time");
		free(bins);
		return OVP_EXIT_USAGE;
	}
	if (!output) {
		if (asprintf(&out_alloc, "%s.tar.zst", input) < 0) {
			free(bins);
			ovp_print_error("out of memory");
			return OVP_EXIT_INPUT;
		}
		output = out_alloc;
	}

	/* The recording must be readable: its BUILD_ID list names the binaries. */
	err = pdata_session__open(&s, input, NULL);
	if (err) {
		err = ovp_err_prefix(err, "%s", input);
		goto out;
	}
	/* Kernel symbols only of the recorded boot: decided before anything
	 * is written, so a wrong --kallsyms leaves no output. */
	err = archive_choose_kallsyms(s, input, kallsyms_path, &ktext, &ksize, &khost);
	if (err)
		goto out;

	a.zbuf_size = ZSTD_CStreamOutSize();
	a.zbuf = malloc(a.zbuf_size);
	a.cctx = ZSTD_createCCtx();
	if (!a.zbuf || !a.cctx) {
		err = ovp_err(-ENOMEM, "out of memory");
		goto out;
	}
	/* Through a temporary renamed onto OUTPUT when complete: a failed or
	 * interrupted archive leaves a file of that name as it was. */
	err = ovp_outfile__open(&a.of, output, OVP_OUTFILE_PRIVATE);
	if (!err) {
		a.out = ovp_outfile__stream(a.of);
		if (!a.out)
			err = -ENOMEM;
	}
	if (err)
		goto out;
	ZSTD_CCtx_setParameter(a.cctx, ZSTD_c_compressionLevel, 3);
	ZSTD_CCtx_setParameter(a.cctx, ZSTD_c_checksumFlag, 1);

	add_big_file(&a, "perf.data", input, "the recording");
	if (ktext)
		add_buffer(&a, "kallsyms", ktext, ksize,
			   kallsyms_path ? kallsyms_path : "/proc/kallsyms");
	if (khost)
		add_small_file(&a, "modules", "/proc/modules", "/proc/modules");
	add_small_file(&a, "os-release", "/etc/os-release", "/etc/os-release");
	if (uname(&u) == 0) {
		char line[2048];
		int n = snprintf(line, sizeof(line), "%s %s %s %s %s\n", u.sysname, u.nodename,
				 u.release, u.version, u.machine);

		add_buffer(&a, "uname", line, n, "uname -snrvm");
		snprintf(host, sizeof(host), "%s", u.nodename);
	}
	for (i = 0; i < (size_t)pdata_session__nr_build_ids(s) && !a.err; i++) {
		const struct pdata_build_id *b = pdata_session__build_id(s, i);

		if (b->kernel || !b->filename || b->filename[0] != '/')
			continue;
		for (j = 0; j < i; j++)
			if (pdata_session__build_id(s, j)->filename &&
			    !strcmp(pdata_session__build_id(s, j)->filename, b->filename))
				break;
		if (j == i)
			add_symbols(&a, b->filename);
	}
	for (i = 0; i < nr_bins && !a.err; i++) {
		char *abs = realpath(bins[i], NULL);	/* member names from full paths */

		add_symbols(&a, abs ? abs : bins[i]);
		free(abs);
	}

	/* The MANIFEST goes last: it lists what was actually stored. */
	if (!a.err) {
		char *head = NULL;
		int n = asprintf(&head,
				 "ovsperf-archive: %d\ncreated-by: ovsperf-probe " OVSPERF_VERSION
				 "\nsource: %s\nhostname: %s\ncreated: %lld\n",
				 ARCHIVE_FORMAT, input, host, (long long)time(NULL));

		if (n < 0) {
			a.err = ovp_err(-ENOMEM, "out of memory");
		} else {
			size_t total = n + a.manifest_len;
			char *m = malloc(total + 1);

			if (!m) {
				a.err = ovp_err(-ENOMEM, "out of memory");
			} else {
				memcpy(m, head, n);
				memcpy(m + n, a.manifest ? a.manifest : "", a.manifest_len);
				add_buffer(&a, "MANIFEST", m, total, NULL);
				free(m);
			}
			free(head);
		}
	}
	if (!a.err) {
		static const char end[2 * TAR_BLOCK];

		zput(&a, end, sizeof(end), false);
		zput(&a, NULL, 0, true);
	}
	err = a.err;
out:
	if (!err && a.of) {
		err = ovp_outfile__commit(a.of);
		a.of = NULL;
	}
	ovp_outfile__abort(a.of);
	if (!err)
		fprintf(stderr, "[ ovsperf-probe archive: wrote %s ]\n", output);
	ZSTD_freeCCtx(a.cctx);
	free(a.zbuf);
	free(a.manifest);
	pdata_session__close(s);
	free(ktext);
	free(out_alloc);
	free(bins);
	if (err) {
		ovp_print_error("archive: %s", ovp_errmsg());
		return OVP_EXIT_INPUT;
	}
	return OVP_EXIT_OK;
}
