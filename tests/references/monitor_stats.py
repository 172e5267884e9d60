# Reference numbers of tests/stats/{psi,calibration,cbpe}.test.ts: run with the venv of scripts/setup.sh
# (~/.cache/netsec/venv/bin/python tests/references/monitor_stats.py) and compare with the tests.
import numpy as np, json
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss
from sklearn.isotonic import IsotonicRegression
rng = np.random.default_rng(7)
p = np.round(rng.beta(2, 2, 40), 3)
p[:6] = [0.1, 0.3, 0.5, 0.7, 0.0, 1.0]
y = (rng.random(40) < p**1.3).astype(int)
print("p =", json.dumps(p.tolist()))
print("y =", json.dumps(y.tolist()))
print("brier", repr(float(brier_score_loss(y, p))))
for nb in (10, 5):
    t, pr = calibration_curve(y, p, n_bins=nb, strategy="uniform")
    bins = np.linspace(0,1,nb+1); ids = np.searchsorted(bins[1:-1], p); cnt = np.bincount(ids, minlength=nb)
    print("curve", nb, json.dumps(t.tolist()), json.dumps(pr.tolist()), json.dumps(cnt[cnt>0].tolist()))
    ece = np.sum(cnt[cnt>0]/len(p) * np.abs(t - pr))
    print("ece", nb, repr(float(ece)))
ir = IsotonicRegression(out_of_bounds="clip").fit(p, y)
q = [-0.5, 0.0, 0.05, 0.2, 0.33, 0.5, 0.61, 0.77, 0.9, 1.0, 1.5]
print("iso", json.dumps(ir.predict(np.clip(q,-1,2)).tolist()))
print("iso_on_p", json.dumps(ir.predict(p).tolist()))
# PSI (Evidently formula, eps 1e-4)
def psi(e, a):
    e = np.array(e, float)/np.sum(e); a = np.array(a, float)/np.sum(a)
    e = np.where(e==0, 1e-4, e); a = np.where(a==0, 1e-4, a)
    return float(np.sum((a-e)*np.log(a/e)))
for e,a in [([30,50,20],[25,55,20]), ([300,500,200],[100,100,800]), ([10,0,5],[3,4,8]), ([4,0,6],[2,0,8])]:
    print("psi", e, a, repr(psi(e,a)))
# NannyML sampling error components (formulas of nannyml/sampling_error/binary_classification.py)
yt = np.array([1,1,0,1,0,0,1,1,1,0,0,1,0,1,1,0,0,0,1,1]); yp = np.array([1,0,0,1,1,0,1,1,0,0,1,1,0,1,1,0,0,1,1,0])
TP = np.where((yt==yp)&(yp==1),1,np.nan); FP=np.where((yt!=yp)&(yp==1),0,np.nan); FN=np.where((yt!=yp)&(yp==0),0,np.nan)
TP=TP[~np.isnan(TP)]; FP=FP[~np.isnan(FP)]; FN=FN[~np.isnan(FN)]
prec = np.concatenate([TP,FP]); rec = np.concatenate([TP,FN]); f=np.concatenate([TP,FN,FP])
cf = len(f)/((len(FN)+len(FP))*0.5+len(TP))
print("comp precision", repr(float(np.std(prec))), repr(len(prec)/len(yp)))
print("comp recall", repr(float(np.std(rec))), repr(len(rec)/len(yt)))
print("comp f1", repr(float(np.std(f*cf))), repr(len(f)/len(yp)))
# CBPE estimate on a window
c = np.array([0.9,0.2,0.65,0.1,0.8,0.55,0.3,0.05,0.95,0.4]); d = (np.array([0.91,0.3,0.6,0.2,0.7,0.5,0.45,0.1,0.99,0.52])>=0.5).astype(int)
tp=np.sum(np.where(d==1,c,0)); fp=np.sum(np.where(d==1,1-c,0)); fn=np.sum(np.where(d==0,c,0))
print("cbpe", repr(float(tp/(tp+fp))), repr(float(tp/(tp+fn))), repr(float(tp/(tp+0.5*(fp+fn)))))
print("se f1 n=10", repr(float(np.std(f*cf)/np.sqrt(10*len(f)/len(yp)))))
