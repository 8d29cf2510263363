"""``/methodologie``: how every figure is made.

Sources, the 16 domains, survey design, weighting, CI method, reliability and significance
rules, pairwise comparisons with Holm's adjustment, and the synthetic demonstration data with
their sampling design.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from dash import dcc, html

from observatory.core import reference as ref
from observatory.core.i18n import colon
from observatory.data.service import Observatory
from observatory.stats.finalize import LOW_N, MAX_RSE
from observatory.ui.pages.methodology_sae import section as sae_section
from observatory.ui.pages.methodology_zones import ZONES_EN, ZONES_FR

TEXT_FR = """
## Ce que mesure l'observatoire
Les **fragilités perçues** d'un territoire dans 16 domaines (notes de 0 à 10 données par les
citoyens, les entreprises et les associations), la **pratique des partenariats** des entreprises
et des associations (mécénat, pratiques responsables, coopération économique, innovation
sociétale), et la **dynamique de co-construction** vue par les maires (question Q4) avec le rôle
qu'ils donnent aux collectivités (Q8, réponses multiples). Il reprend pour tout territoire la
démarche du programme PHARE de l'Observatoire des partenariats (Le RAMEAU, Caisse des Dépôts).

## Estimation
Chaque chiffre est une **estimation pondérée** (moyenne ou proportion), calculée dans la base de
données pour tous les territoires d'un échelon à la fois. Chaque territoire est un *domaine*
(sous-population) de l'échantillon complet de son enquête et de sa vague. La variance est
estimée par **linéarisation de Taylor** : strates telles que fournies (une seule strate par
enquête et vague si aucune n'est donnée), répondants comme unités primaires, sans correction de
population finie ; une strate d'un seul répondant n'apporte pas de variance. Les résultats sont
vérifiés contre la bibliothèque *samplics* dans les tests.

- **Intervalle de confiance à 95 %** : estimation ± 1,96 × erreur type pour les notes moyennes ;
  pour les proportions, intervalle calculé sur l'échelle logit puis ramené dans \\[0 ; 1\\] (il reste
  toujours entre 0 et 100 %) ; quand la proportion vaut exactement 0 ou 1, intervalle de Wilson
  avec l'effectif efficace.
- **Effectif efficace** (Kish) : (Σw)² / Σw².
- **Espaces et indice composite** : pour chaque répondant, moyenne de ses notes sur les domaines
  de l'espace (ou sur les 16), puis estimation pondérée de cette moyenne.
- **Fragilité prioritaire** : note ≥ 7 sur 10.

## Règles de fiabilité (les mêmes partout : carte, infobulle, tableau, exports)
- **Non diffusé** quand moins de *{min_n}* répondants (n < {min_n}, réglable) : aucune valeur
  n'est montrée ni exportée, seul le statut et l'effectif. Non diffusé aussi quand ses répondants
  sont ceux d'un territoire diffusé qu'il contient à moins de {min_n} près (une commune dans son
  canton ou son intercommunalité, un canton ou une commune dans son département, un département
  dans sa région) : la différence des deux chiffres isolerait ces quelques répondants.
- **Fiabilité faible** quand n < {low_n} ou que le coefficient de variation dépasse {rse:.0f} % :
  la valeur est montrée estompée.
- **Bonne** sinon. Les classes de la carte sont calculées sur les seules cellules de bonne fiabilité.

## Significativité
Chaque territoire est comparé au **reste de la France** (tous les répondants hors du territoire,
deux échantillons disjoints) : test z sur la différence des estimations avec la somme des
variances ; « significativement supérieur / inférieur » au seuil de 5 %, avec la p-valeur.

## Comparer des territoires : différences deux à deux et ajustement de Holm
La page « Comparer » teste chaque paire de territoires sur chaque mesure de la vue : différence
a − b des deux estimations, son IC à 95 % (différence ± 1,96 erreur type ; en points de % pour
les parts, en points de note sur 10 pour les notes) et un test z. Deux territoires disjoints sont
deux échantillons indépendants (la variance de la différence est la somme des variances) ; quand
l'un est inclus dans l'autre, ou qu'ils partagent des communes, le plus petit est comparé au
**reste** du plus grand, pour que les deux échantillons restent disjoints.

Une page montre ainsi des dizaines de tests (60 pour trois territoires et les 20 mesures des
fragilités) : au seuil de 5 %, environ trois sortiraient « significatifs » par hasard même sans
aucun écart réel. Les p-valeurs sont donc **ajustées par la méthode de Holm** (Holm–Bonferroni,
par paliers) sur une seule **famille : tous les tests de la page**, toutes les paires × toutes les
mesures de la vue choisie. C'est l'ensemble que le lecteur parcourt d'un coup d'œil à la recherche
d'un écart ; l'ajuster garantit que la probabilité d'annoncer à tort au moins une différence sur
la page reste inférieure à 5 % (taux d'erreur par famille), quelle que soit la dépendance entre
les tests, qui partagent des territoires.

Holm offre la même garantie que Bonferroni en étant
toujours au moins aussi puissant. Calcul : les m p-valeurs triées p(1) ≤ … ≤ p(m), la i-ème est
multipliée par (m − i + 1), puis on garde le maximum cumulé, plafonné à 1 (les p ajustées
restent dans l'ordre des p brutes). **« Significatif après ajustement »** veut dire p ajustée
< 0,05 : « > » ou « < » dans le tableau ; sinon « ≈ (n.s.) », même si la p brute est sous 0,05.
Les deux p-valeurs sont affichées et exportées (`p_value`, `p_holm`) ; changer de vue ou de
territoires change la famille. Les tests contre le reste de la France (cartes, profils) ne sont
pas ajustés : ils se lisent un territoire et une mesure à la fois.

## Évolution entre deux vagues
Chaque vague est un échantillon indépendant. L'évolution d'une cellule est la différence des deux
estimations ; son erreur type est la racine de la somme des deux variances, son IC à 95 % la
différence ± 1,96 erreur type, et un test z dit si elle est significative au seuil de 5 %
(« hausse / baisse significative »). Elle n'est pas diffusée si la cellule ne l'est pas à l'une
des vagues, et elle est de fiabilité faible si la cellule l'est à l'une d'elles. Les parts évoluent en points. Les
cartes d'évolution ont une palette divergente centrée sur 0, classes symétriques ; les évolutions
non significatives y sont estompées. Les graphiques d'évolution montrent des points avec leur IC à
chaque vague, sans ligne : les vagues sont espacées de plusieurs années. Un panel (les mêmes
répondants réinterrogés) demanderait en plus la covariance entre vagues : l'observatoire suppose
des échantillons indépendants, comme ceux de PHARE et d'IMPACT.

## Les données de démonstration sont synthétiques
Les micro-données de PHARE ne sont pas publiques. L'observatoire est livré avec un **échantillon
synthétique**, tiré au hasard (graine fixée) sur la **géographie réelle** : ses estimations
nationales sont calées sur les chiffres publiés par PHARE (par exemple 37 % d'entreprises
partenaires, 76 % de maires voyant une dynamique de co-construction, emploi 7,1/10 pour les
citoyens), tout le reste (écarts entre territoires, répartition des réponses non publiées) est
plausible mais **inventé**. Les échantillons de démonstration sont plus grands que ceux de PHARE
(un peu plus de 2 000 citoyens, 304 maires) pour que la plupart des départements aient au moins
30 répondants.

**Plan de sondage de l'échantillon de démonstration.** À chaque vague, l'échantillon synthétique
est un tirage stratifié par département avec une **allocation fixe** : un minimum de répondants
par département, le reste réparti selon la population, la même à chaque vague (comme le font les
enquêtes par quotas). L'effectif d'un département est donc identique d'une vague à l'autre, alors
que les répondants sont tirés à nouveau, indépendamment, à chaque vague : ce ne sont pas les
mêmes personnes. C'est ce que suppose le test d'évolution (deux échantillons indépendants) ; des
effectifs égaux n'en font pas un panel.

**Aucune estimation synthétique n'est un résultat de PHARE.** Chargez vos propres
enquêtes avec `python -m etl load DOSSIER` (voir le contrat de données dans le README).
"""

TEXT_EN = """
## What the observatory measures
**Perceived fragilities** of a territory in 16 domains (0-10 scores given by citizens,
companies and associations), the **practice of partnerships** by companies and associations,
and the **co-construction dynamic** seen by mayors (Q4) with the role they give local
authorities (Q8, multiple answers). It follows the PHARE programme of the Observatoire des
partenariats (Le RAMEAU, Caisse des Dépôts) for any territory.

## Estimation
Every figure is a **weighted estimate** computed in the database for all territories of a level
at once, each territory being a *domain* of the whole sample of its survey and wave. Variance by
**Taylor linearisation** (strata as given, one per survey and wave when absent; respondents as
primary units; no finite population correction; single-respondent strata add no variance),
cross-checked against *samplics* in the tests. 95% CI: ± 1.96 SE for mean scores; logit-scale
interval for proportions (always inside 0-100%), Wilson with the effective n at 0 or 1.

## Reliability rules (the same on the map, tooltips, tables, API and exports)
Suppressed when n < {min_n} (no value anywhere), or when its respondents are those of a shown
territory inside it but for fewer than {min_n} (a commune in its canton or intercommunality, a
canton or commune in its département, a département in its région: the difference of the two
figures would single them out); low when n < {low_n} or CV > {rse:.0f}% (faded);
good otherwise. Map classes are computed on good cells only.

## Significance
Each territory is compared with **the rest of France** (z-test, 5% level, p-value shown).

## Comparing territories: pairwise differences and Holm's adjustment
The "Compare" page tests every pair of territories on every measure of the view: the difference
a − b of the two estimates, its 95% CI (± 1.96 SE; in percentage points for shares, in points out
of 10 for scores) and a z-test. Disjoint territories are independent samples (the variance of the
difference is the sum of the variances); when one lies inside the other, or they share communes,
the smaller one is compared with the **rest** of the larger one, so that the samples stay disjoint.

A page thus shows dozens of tests (60 for three territories and the 20 fragility measures): at
5%, about three would come out "significant" by chance with no real difference at all. The
p-values are therefore **adjusted by Holm's method** (Holm–Bonferroni step-down) over one
**family: every test on the page**, all pairs × all measures of the chosen view. That is the set
a reader scans for a difference; adjusting over it keeps the probability of reporting at least
one false difference on the page below 5% (family-wise error rate), whatever the dependence
between the tests, which share territories.

Holm gives the same guarantee as Bonferroni and is
never less powerful. Computation: with the m p-values sorted, p(1) ≤ … ≤ p(m), the i-th is
multiplied by (m − i + 1), then the running maximum is kept, capped at 1 (adjusted p-values keep
the order of the raw ones). **"Significant after adjustment"** means adjusted p < 0.05: ">" or
"<" in the table; otherwise "≈ (n.s.)", even when the raw p is below 0.05. Both p-values are shown
and exported (`p_value`, `p_holm`); another view or other territories make another family. Tests
against the rest of France (maps, profiles) are not adjusted: they are read one territory and one
measure at a time.

## Change between two waves
Waves are independent samples: a cell's change is the difference of its two estimates, with a
standard error of √(se₁² + se₂²), a 95% CI of ± 1.96 SE and a z-test at 5% ("significant
increase / decrease"). It is suppressed when the cell is suppressed at either wave, and of low
reliability when either is. Shares change in points. Change maps use a diverging palette centred
on 0 with symmetric classes, non-significant changes faded. Trend charts show points with CIs at
each wave, no line: the waves are years apart. A panel (the same respondents interviewed again)
would also need the covariance between waves: the observatory assumes independent samples, as
PHARE's and IMPACT's were.

## The demonstration data are synthetic
PHARE's micro-data are not public: the app ships a **synthetic sample** over the real geography,
calibrated on PHARE's published national figures; everything else is plausible but invented.

**Design of the demonstration sample.** At every wave the synthetic sample is a draw stratified
by département with a **fixed allocation**: a minimum of respondents per département, the rest
shared by population, the same at every wave (as quota surveys do). A département's n is
therefore identical from one wave to the next, while the respondents are drawn afresh and
independently at each wave: they are not the same people. That is what the change test assumes
(two independent samples); equal sizes do not make a panel.

**No synthetic estimate is a PHARE result.**
"""

# --- issue 19: ranks among peers, with their uncertainty (observatory/views/portrait.py) ---------------
RANKS_FR = """
## L'essentiel d'un profil
Le bloc « L'essentiel » en tête d'un profil est écrit par le programme à partir des estimations,
jamais à la main. **Tous les tests qu'un portrait pourrait énoncer forment une seule famille** :
chaque cellule de **bonne fiabilité** testée contre le reste de la France et contre le reste du
territoire parent, chaque évolution fiable depuis la vague précédente, et, pour une
intercommunalité, chaque cellule du modèle sur petits domaines testée contre la France. Un portrait
en fait une centaine : testés chacun à 5 %, ils feraient énoncer des écarts à presque tous les
portraits même si aucun territoire ne différait en réalité (77 % des portraits de départements
dans l'audit de décembre, sur des réponses permutées). Seuls sont donc énoncés les tests qui passent
la **procédure de Benjamini–Hochberg** (1995) à 5 % sur toute la famille : parmi les écarts énoncés,
la part attendue de faux est au plus de 5 % ; si aucun écart n'est réel, la probabilité d'en énoncer
un seul est au plus de 5 %. La procédure reste valide quand les tests sont positivement corrélés
(Benjamini et Yekutieli 2001), comme les domaines d'un même répondant. Elle est préférée à Holm
(utilisé par la page Comparer, qui contrôle la probabilité d'une seule erreur) parce qu'un portrait
fait beaucoup plus de tests : Holm n'y laisserait passer que les écarts énormes. Le portrait dit la
taille de la famille (« 9 écarts significatifs sur 108 comparaisons ») ; les téléchargements donnent
chaque p-valeur brute et ajustée. Les trois écarts les plus nets de chaque comparaison sont écrits,
les autres comptés ; une cellule énoncée contre le reste de la France et contre le reste du parent
dans le même sens l'est en une seule phrase (les deux tests restent dans la famille). Les écarts sur
des cellules de fiabilité faible ne sont jamais énoncés : ils sont comptés comme « écarts apparents,
à confirmer par une enquête plus large ».
Une cellule du modèle sur petits domaines est testée contre la France par un test z dont la variance
additionne l'erreur quadratique moyenne du modèle et la variance de l'estimation nationale ; elle
n'est pas comparée au territoire parent (le modèle n'est pas encore calé sur l'estimation directe
du parent) ; tant qu'il ne l'est pas, un écart du modèle n'est énoncé que là où l'estimation directe
du parent est fiable et ne le contredit pas (avec une dizaine de répondants, le chiffre du modèle
vient surtout de ses covariables). Validé par simulation (tests/test_portrait.py) : sur 400 portraits de 54 tests corrélés sans
aucun écart réel, moins de 10 % énoncent quoi que ce soit (5 % mesuré), contre plus de la moitié
sans la procédure.

## Rang parmi les territoires du même échelon, et son incertitude
Le profil donne le rang d'un territoire parmi ceux de son échelon dont l'estimation est fiable,
par exemple « 12e sur 83 départements dont l'estimation est fiable (sur 101) », 1er étant la valeur la
plus élevée, et l'**ensemble de confiance à 95 % de ce rang** (« rang entre le 5e et le 24e ») de Mogstad,
Romano, Shaikh et Wilhelm (2024, *Review of Economic Studies* ; le paquet R `csranks`). Un pair est
*sûrement au-dessus* quand l'écart de son estimation à celle du territoire dépasse c fois l'erreur
type de cet écart, où c est la valeur critique qui tient pour tous les écarts à la fois (quantile à
95 % du plus grand écart standardisé de 2 000 tirages des erreurs d'échantillonnage, graine fixe) ;
le rang va alors de 1 + le nombre de pairs sûrement au-dessus jusqu'au nombre de pairs moins ceux
sûrement en dessous, et la procédure pas à pas de Romano et Wolf resserre l'ensemble sans perdre la
garantie : il **couvre le vrai rang dans au moins 95 % des cas**. L'intervalle simulé utilisé
auparavant (tirer chaque estimation selon sa loi et lire les quantiles des rangs) n'a pas cette
garantie : sur une vérité connue, il couvrait le vrai rang de certains territoires dans 75 % des cas
seulement, contre 97 % au moins pour l'ensemble de confiance (tests/stats/test_ranks.py). Quand
l'ensemble couvre plus de la moitié des territoires, le profil dit « classement incertain » au lieu
d'un rang ; quand il tient dans le premier ou le dernier quart, il le dit (« parmi les 20 premiers »).
Là où plusieurs rangs sont lus ensemble (un classement, le tableau des rangs de l'API et des
exports), l'**ensemble simultané** couvre tous les rangs à la fois dans au moins 95 % des cas
(`simultaneous_low`, `simultaneous_high`). Les tableaux d'un profil montrent côte à côte les K rangs
d'un même territoire : chacun y a l'ensemble de Holm au niveau 1 − 0,05/K (Bonferroni sur les
lignes, valable quelle que soit la dépendance entre les questions), qui les couvre tous à la fois
dans au moins 95 % des cas (mesuré : 99 %, contre 93 % pour les ensembles marginaux côte à côte,
tests/views/test_joint_ranks.py) ; la phrase de l'essentiel, qui ne cite qu'un rang, garde
l'ensemble marginal. De même, les colonnes « vs reste… » des tableaux donnent la décision de la
famille du portrait, non celle de chaque test seul. Les ensembles sont **calculés au chargement des données**,
pour les cellules que montrent les portraits, à chaque échelon et à la dernière vague de chaque
enquête (table `rank_sets`) ; une intercommunalité
sans estimation directe fiable est classée parmi toutes les intercommunalités modélisées, sur
l'estimation du modèle et son EQM, avec la procédure de Holm (valable quelle que soit la corrélation
des erreurs du modèle), et le rang est marqué « modèle ».
"""
RANKS_EN = """
## A profile's key findings
The "Key findings" block at the top of a profile is written by the program from the estimates,
never by hand. **Every test a portrait could state is one family**: each cell of **good
reliability** tested against the rest of France and against the rest of the parent, each reliable
change since the previous wave and, for an intercommunality, each small-area model cell tested
against France. A portrait runs about a hundred: each at 5%, they would make nearly every portrait
state differences even when no territory differs in truth (77% of département portraits in the
December audit, on permuted answers). So only the tests that pass the **Benjamini–Hochberg
procedure** (1995) at 5% over the whole family are stated: among the differences stated, the
expected share of false ones is at most 5%; when none is real, the chance of stating any is at most
5%. The procedure stays valid when the tests are positively correlated (Benjamini and Yekutieli
2001), as one respondent's domains are. It is preferred to Holm (used by the Compare page, which
controls the chance of a single error) because a portrait runs many more tests: Holm would let only
huge differences through. The portrait gives the family's size ("9 significant differences out of
108 comparisons"); the downloads give each raw and adjusted p-value. The three clearest differences
of each comparison are written, the others counted; a cell stated against the rest of France and
against the rest of the parent in the same direction is said in one sentence (both tests stay in
the family). Differences on low-reliability cells are never stated: they are counted as "apparent
differences, to be confirmed by a larger survey". A small-area model cell is tested against France by a z-test whose variance
adds the model's mean squared error and the national estimate's variance; it is not compared with
the parent (the model is not yet benchmarked to the parent's direct estimate); until it is, a model
difference is stated only where the parent's direct estimate is reliable and does not contradict
it (with a dozen respondents, the model's figure comes mostly from its covariates).
Validated by simulation (tests/test_portrait.py): of 400 portraits of 54 correlated tests with no
real difference, fewer than 10% state anything (5% measured), against more than half without the
procedure.

## Rank among the territories of the same level, and its uncertainty
The profile gives a territory's rank among those of its level with a reliable estimate, for instance
"12th of 83 départements with a reliable estimate (of 101)", 1st being the highest value, and the **95%
confidence set of that rank** ("rank between 5th and 24th") of Mogstad, Romano, Shaikh and Wilhelm
(2024, *Review of Economic Studies*; the R package `csranks`). A peer is *surely above* when the
difference between its estimate and the territory's exceeds c times that difference's standard
error, c being the critical value that holds for all the differences at once (the 95% quantile of
the largest standardised difference over 2,000 draws of the sampling errors, fixed seed); the rank
then runs from 1 + the number of peers surely above to the number of peers minus those surely below,
and Romano and Wolf's step-down sharpens the set without losing the guarantee: it **covers the true
rank at least 95% of the time**. The simulated interval used before (drawing every estimate from its
distribution and reading the quantiles of the ranks) has no such guarantee: on a known truth it
covered some territories' true rank only 75% of the time, against at least 97% for the confidence
set (tests/stats/test_ranks.py). When the set spans more than half the territories, the profile says
"uncertain ranking" instead of a rank; when it lies in the first or last quarter, it says so ("among
the top 20"). Where several ranks are read together (a ranking, the API's and the exports' rank
table), the **simultaneous set** covers every rank at once at least 95% of the time
(`simultaneous_low`, `simultaneous_high`). A profile's tables show one territory's K ranks side by
side: each has Holm's set at level 1 − 0.05/K (Bonferroni over the rows, valid whatever ties the
questions), which covers them all at once at least 95% of the time (measured: 99%, against 93% for
the marginal sets side by side, tests/views/test_joint_ranks.py); the key findings' sentence, which
quotes one rank, keeps the marginal set. Likewise, the tables' "vs rest…" columns give the decision
of the portrait's family, not that of each test alone. The sets are **computed when the data are loaded**, for
the cells the portraits show, at every level and each survey's latest wave (table `rank_sets`); an intercommunality without a
reliable direct estimate is ranked among every modelled intercommunality on the model's estimate
and its MSE, with Holm's procedure (valid whatever the correlation of the model's errors), and the
rank is labelled "model".
"""


def _source_link(url: str) -> html.A:
    """A source's link, named by its site (a whole address made the column one word wide)."""
    site = urlsplit(url).netloc.removeprefix("www.") or url
    return html.A(site, href=url, title=url)


def _table(table_id: str, headers: tuple[str, ...], rows: list[tuple]) -> html.Table:
    """A plain table whose text wraps, so that it fits a phone's width (audit E7).

    Its codes and links (addresses) break anywhere (assets/style.css).
    """
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])),
            html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows]),
        ],
        id=table_id,
        className="method-table",
    )


def layout(obs: Observatory, lang: str) -> html.Div:
    """The methodology page, with the domain list and the published figures table."""
    params = {"min_n": obs.settings.min_n, "low_n": LOW_N, "rse": 100 * MAX_RSE}
    text = (TEXT_EN if lang == "en" else TEXT_FR).format(**params)
    fr = lang == "fr"
    domains = [
        {
            "code": d.code,
            "label": d.fr if fr else d.en,
            "espace": ref.label(d.espace, lang),
            "attested": ("attesté dans PHARE" if fr else "attested in PHARE")
            if d.attested
            else ("choix du projet" if fr else "project's choice"),
        }
        for d in ref.DOMAINS
    ]
    pub = obs.published_figures()
    pub_rows = [
        {
            "figure": r.label_fr if fr else r.label_en,
            "value": f"{r.value:g}" if r.unit == "score_0_10" else f"{100 * r.value:.0f} %",
            "wave": int(r.wave),
            "source": r.source_url,
        }
        for r in pub.itertuples()
    ]
    return html.Div(
        [
            html.H1("Méthodologie" if fr else "Methodology"),
            dcc.Markdown(text),
            dcc.Markdown(RANKS_EN if lang == "en" else RANKS_FR, id="rank-intervals"),
            html.H2("Les 16 domaines de fragilité" if fr else "The 16 fragility domains"),
            html.P(
                "Seul le nombre (16) est confirmé par les publications de PHARE ; la colonne indique si le libellé y est attesté."
                if fr
                else "Only the count (16) is confirmed by PHARE publications; the last column says whether the label is attested."
            ),
            _table(
                "domains-table",
                ("Code", "Domaine" if fr else "Domain", "Espace", "Source"),
                [(html.Code(d["code"]), d["label"], d["espace"], d["attested"]) for d in domains],
            ),
            html.H2("Chiffres publiés par PHARE" if fr else "Figures published by PHARE"),
            _table(
                "published-table",
                ("Chiffre", "Valeur", "Vague", "Source") if fr else ("Figure", "Value", "Wave", "Source"),
                [(r["figure"], r["value"], r["wave"], _source_link(r["source"])) for r in pub_rows],
            ),
            html.H2("Questions aux maires" if fr else "Questions to mayors"),
            html.P(["Q4" + colon(lang), ref.Q4_WORDING]),
            html.P(["Q8" + colon(lang), ref.Q8_WORDING]),
            sae_section(lang),  # issue 17: small-area estimation
            dcc.Markdown((ZONES_EN if lang == "en" else ZONES_FR).format(**params), id="zones-method"),  # issue 28
        ],
        className="methodology",
    )
