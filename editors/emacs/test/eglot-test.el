;;; eglot-test.el --- layerls in Emacs's eglot, headless  -*- lexical-binding: t -*-
;; LAYERLS_BIN=... LAYERLS_FIXTURE=editors/testdata/app-v2 emacs -Q --batch -l eglot-test.el
;; Opens the fixture's Dockerfile with eglot and the README's configuration,
;; waits for layerls's diagnostics and inlay hints, and checks them. Exits 0
;; when every check passed, 1 otherwise.
(require 'eglot)
(require 'flymake)

(defvar layerls-test-failures 0)
(defun layerls-test-check (ok msg)
  (princ (format "%s %s\n" (if ok "ok  " "FAIL") msg))
  (unless ok (setq layerls-test-failures (1+ layerls-test-failures))))

(defun layerls-test-wait (pred &optional seconds)
  "Run the event loop until PRED returns non-nil or SECONDS (30) pass."
  (let ((deadline (+ (float-time) (or seconds 30))) v)
    (while (and (not (setq v (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.1))
    v))

;; A stand-in for MELPA's dockerfile-mode, which is not here; eglot derives
;; the languageId "dockerfile" from the mode's name.
(define-derived-mode dockerfile-mode prog-mode "Dockerfile")

;; The README's configuration, with the binary under test.
(add-to-list 'eglot-server-programs
             `((dockerfile-mode dockerfile-ts-mode) . (,(getenv "LAYERLS_BIN"))))
(setq eglot-sync-connect 30)

(defun layerls-test-hints ()
  "The inlay hints eglot drew: (LINE . TEXT) for each overlay."
  (let (out)
    (dolist (ov (overlays-in (point-min) (point-max)))
      (when (overlay-get ov 'eglot--inlay-hint)
        (let ((text (or (overlay-get ov 'before-string) (overlay-get ov 'after-string))))
          (push (cons (line-number-at-pos (overlay-start ov)) (string-trim (substring-no-properties text)))
                out))))
    out))

(defun layerls-test-run ()
  (find-file (expand-file-name "Dockerfile" (getenv "LAYERLS_FIXTURE")))
  (dockerfile-mode)
  (apply #'eglot--connect (eglot--guess-contact))
  (layerls-test-check (eglot-current-server) "eglot connected to layerls")
  ;; Diagnostics, through flymake.
  (let ((diags (layerls-test-wait
                (lambda ()
                  (flymake-start)
                  (seq-filter (lambda (d) (string-match-p "RemovedInLaterLayer\\|SeparateChown"
                                                          (format "%s %S" (flymake-diagnostic-text d)
                                                                  (flymake-diagnostic-data d))))
                              (flymake-diagnostics))))))
    (layerls-test-check (>= (length diags) 2)
                        (format "flymake has the RemovedInLaterLayer and SeparateChown findings (%d)" (length diags)))
    (dolist (d diags)
      (princ (format "     line %d: %s\n" (line-number-at-pos (flymake-diagnostic-beg d))
                     (flymake-diagnostic-text d)))))
  ;; Inlay hints: eglot asks for them from jit-lock, which a batch Emacs does
  ;; not run; ask the way jit-lock would, for the whole buffer.
  (let ((hints (layerls-test-wait
                (lambda ()
                  (eglot--update-hints-1 (point-min) (point-max))
                  (accept-process-output nil 0.3)
                  (let ((h (layerls-test-hints)))
                    (and (member '(7 . "cached") h) (seq-find (lambda (x) (and (= (car x) 7) (string-prefix-p "+" (cdr x)))) h) h))))))
    (layerls-test-check hints "line 7 (COPY static/) has a size hint and `cached`")
    (princ (format "     %d hint overlays; line 7: %S\n" (length hints)
                   (mapcar #'cdr (seq-filter (lambda (x) (= (car x) 7)) hints))))))

(condition-case err
    (layerls-test-run)
  (error (layerls-test-check nil (format "error: %S" err))))
(ignore-errors (eglot-shutdown (eglot-current-server)))
(princ (if (= layerls-test-failures 0) "emacs eglot: all checks passed\n"
         (format "%d check(s) failed\n" layerls-test-failures)))
(kill-emacs (if (= layerls-test-failures 0) 0 1))
